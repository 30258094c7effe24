package zoo

import (
	"fmt"
	"strings"

	"github.com/edgectl/edgectl/importer/onnxpb"
)

// Export settings shared by every model.
const (
	producerName = "edgectl-zoo"
	graphName    = "main_graph" // what the PyTorch exporters call it
	inputName    = "input"
	outputName   = "output"
)

// arch is one model of the zoo.
type arch struct {
	name  string
	about string  // one line for the model's doc_string
	input []int64 // NCHW, batch 1
	build func(b *builder, x value) value
	// indexed: the model indexes its containers instead of calling them
	// (see builder.indexed).
	indexed bool
}

// archs is sorted by name.
var archs = []arch{
	{"densenet121", "torchvision DenseNet-121", []int64{1, 3, 224, 224}, densenet121, false},
	{"mobilenet_v2", "torchvision MobileNetV2 (width 1.0)", []int64{1, 3, 224, 224}, mobilenetV2, false},
	{"resnet18", "torchvision ResNet-18", []int64{1, 3, 224, 224}, resnet18, false},
	{"resnet50", "torchvision ResNet-50", []int64{1, 3, 224, 224}, resnet50, false},
	{"tiny-yolov2", "Tiny YOLOv2 (darknet tiny-yolo-voc)", []int64{1, 3, 416, 416}, tinyYOLOv2, false},
	{"vgg16", "torchvision VGG-16", []int64{1, 3, 224, 224}, vgg16, false},
	{"yolov2", "YOLOv2 (darknet yolo-voc)", []int64{1, 3, 416, 416}, yolov2, false},
	{"yolov8n", "Ultralytics YOLOv8n detector (COCO, 80 classes)", []int64{1, 3, 640, 640}, yolov8n, true},
}

// Names lists the models Build and Write accept, sorted.
func Names() []string {
	names := make([]string, len(archs))
	for i, a := range archs {
		names[i] = a.name
	}
	return names
}

// spec is a model with its initializers described but not drawn.
type spec struct {
	model  *onnxpb.ModelProto // Graph.Initializer left empty
	params []param
	seed   int64
}

func lookup(name string) (*arch, error) {
	for i := range archs {
		if archs[i].name == name {
			return &archs[i], nil
		}
	}
	return nil, fmt.Errorf("zoo: unknown model %q (valid: %s)", name, strings.Join(Names(), ", "))
}

func newSpec(name string, seed int64, opts Options) (*spec, error) {
	a, err := lookup(name)
	if err != nil {
		return nil, err
	}
	ex, err := opts.export()
	if err != nil {
		return nil, err
	}
	b := newBuilder(opts.Style)
	b.indexed = a.indexed
	out := a.build(b, value{name: inputName, shape: a.input})
	last := b.nodes[len(b.nodes)-1]
	check(len(last.Output) == 1 && last.Output[0] == out.name, "%s: output %s is not the last node's", name, out.name)
	last.Output[0] = outputName
	infos := b.infos
	if len(infos) > 0 {
		check(infos[len(infos)-1].Name == out.name, "%s: last value_info is not the output's", name)
		infos = infos[:len(infos)-1]
	}
	params := b.params
	if b.dynamo {
		params = signatureOrder(params)
	}

	graph := &onnxpb.GraphProto{
		Node:      b.nodes,
		Name:      graphName,
		Input:     []*onnxpb.ValueInfoProto{valueInfo(inputName, a.input)},
		Output:    []*onnxpb.ValueInfoProto{valueInfo(outputName, out.shape)},
		ValueInfo: infos,
	}
	model := &onnxpb.ModelProto{
		IrVersion:    ex.irVersion,
		ProducerName: producerName,
		DocString:    fmt.Sprintf("%s with random weights (edgectl zoo %s, seed %d); not trained", a.about, name, seed),
		Graph:        graph,
		OpsetImport:  ex.opsets,
	}
	if b.dynamo {
		model.DocString = fmt.Sprintf("%s with random weights (edgectl zoo %s, style %s, seed %d); not trained",
			a.about, name, StyleDynamo, seed)
	}
	return &spec{model: model, params: params, seed: seed}, nil
}

// tensorHeader is an initializer without its raw_data.
func (p *param) tensorHeader() *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Dims: p.dims, DataType: int32(p.elemType()), Name: p.name}
}

// Build returns the named model in the default style with all weights drawn
// from seed. The largest (vgg16) holds about 553 MB of weights; use Write to
// stream it.
func Build(name string, seed int64) (*onnxpb.ModelProto, error) {
	return BuildWith(name, seed, Options{})
}

// BuildWith is Build in the exporter style opts asks for.
func BuildWith(name string, seed int64, opts Options) (*onnxpb.ModelProto, error) {
	s, err := newSpec(name, seed, opts)
	if err != nil {
		return nil, err
	}
	inits := make([]*onnxpb.TensorProto, len(s.params))
	for i := range s.params {
		t := s.params[i].tensorHeader()
		t.RawData = s.params[i].raw(seed)
		inits[i] = t
	}
	s.model.Graph.Initializer = inits
	return s.model, nil
}
