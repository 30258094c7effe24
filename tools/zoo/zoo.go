package zoo

import (
	"fmt"
	"strings"

	"github.com/edgectl/edgectl/importer/onnxpb"
)

// Export settings shared by every model.
const (
	irVersion    = 8
	opsetVersion = 13
	producerName = "edgectl-zoo"
	graphName    = "main_graph" // what the PyTorch exporter calls it
	inputName    = "input"
	outputName   = "output"
)

// arch is one model of the zoo.
type arch struct {
	name  string
	about string  // one line for the model's doc_string
	input []int64 // NCHW, batch 1
	build func(b *builder, x value) value
}

// archs is sorted by name.
var archs = []arch{
	{"densenet121", "torchvision DenseNet-121", []int64{1, 3, 224, 224}, densenet121},
	{"mobilenet_v2", "torchvision MobileNetV2 (width 1.0)", []int64{1, 3, 224, 224}, mobilenetV2},
	{"resnet18", "torchvision ResNet-18", []int64{1, 3, 224, 224}, resnet18},
	{"resnet50", "torchvision ResNet-50", []int64{1, 3, 224, 224}, resnet50},
	{"tiny-yolov2", "Tiny YOLOv2 (darknet tiny-yolo-voc)", []int64{1, 3, 416, 416}, tinyYOLOv2},
	{"vgg16", "torchvision VGG-16", []int64{1, 3, 224, 224}, vgg16},
	{"yolov2", "YOLOv2 (darknet yolo-voc)", []int64{1, 3, 416, 416}, yolov2},
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

func newSpec(name string, seed int64) (*spec, error) {
	a, err := lookup(name)
	if err != nil {
		return nil, err
	}
	b := newBuilder()
	out := a.build(b, value{name: inputName, shape: a.input})
	last := b.nodes[len(b.nodes)-1]
	check(last.Output[0] == out.name, "%s: output %s is not the last node's", name, out.name)
	last.Output[0] = outputName

	graph := &onnxpb.GraphProto{
		Node:   b.nodes,
		Name:   graphName,
		Input:  []*onnxpb.ValueInfoProto{valueInfo(inputName, a.input)},
		Output: []*onnxpb.ValueInfoProto{valueInfo(outputName, out.shape)},
	}
	model := &onnxpb.ModelProto{
		IrVersion:    irVersion,
		ProducerName: producerName,
		DocString:    fmt.Sprintf("%s with random weights (edgectl zoo %s, seed %d); not trained", a.about, name, seed),
		Graph:        graph,
		OpsetImport:  []*onnxpb.OperatorSetIdProto{{Version: opsetVersion}},
	}
	return &spec{model: model, params: b.params, seed: seed}, nil
}

func valueInfo(name string, shape []int64) *onnxpb.ValueInfoProto {
	dims := make([]*onnxpb.TensorShapeProto_Dimension, len(shape))
	for i, d := range shape {
		dims[i] = &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}}
	}
	return &onnxpb.ValueInfoProto{
		Name: name,
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
			ElemType: int32(onnxpb.TensorProto_FLOAT),
			Shape:    &onnxpb.TensorShapeProto{Dim: dims},
		}}},
	}
}

// tensorHeader is an initializer without its raw_data.
func (p *param) tensorHeader() *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Dims: p.dims, DataType: int32(onnxpb.TensorProto_FLOAT), Name: p.name}
}

// Build returns the named model with all weights drawn from seed. The
// largest (vgg16) holds about 553 MB of weights; use Write to stream it.
func Build(name string, seed int64) (*onnxpb.ModelProto, error) {
	s, err := newSpec(name, seed)
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
