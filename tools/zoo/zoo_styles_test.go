package zoo

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/importer/onnxpb"
	"google.golang.org/protobuf/proto"
)

// dynamoModels is what each model looks like in StyleDynamo; its weights
// are the default style's (TestSpec_DynamoWeights).
var dynamoModels = map[string]struct {
	nodes int
	ops   map[string]int
}{
	"densenet121": {432, map[string]int{"Conv": 120, "BatchNormalization": 121, "Relu": 121, "Concat": 62,
		"MaxPool": 1, "AveragePool": 3, "ReduceMean": 1, "Constant": 1, "Reshape": 1, "Gemm": 1}},
	"mobilenet_v2": {154, map[string]int{"Conv": 52, "BatchNormalization": 52, "Clip": 35, "Add": 11,
		"ReduceMean": 1, "Constant": 1, "Reshape": 1, "MatMul": 1}},
	"resnet18": {70, map[string]int{"Conv": 20, "BatchNormalization": 20, "Relu": 17, "Add": 8,
		"MaxPool": 1, "ReduceMean": 1, "Constant": 1, "Reshape": 1, "Gemm": 1}},
	"resnet50": {176, map[string]int{"Conv": 53, "BatchNormalization": 53, "Relu": 49, "Add": 16,
		"MaxPool": 1, "ReduceMean": 1, "Constant": 1, "Reshape": 1, "Gemm": 1}},
	"tiny-yolov2": {33, map[string]int{"Conv": 9, "BatchNormalization": 8, "LeakyRelu": 8, "MaxPool": 6,
		"Constant": 1, "Pad": 1}},
	"vgg16": {39, map[string]int{"Conv": 13, "Relu": 15, "MaxPool": 5, "AveragePool": 1,
		"Constant": 1, "Reshape": 1, "Gemm": 3}},
	"yolov2": {76, map[string]int{"Conv": 23, "BatchNormalization": 22, "LeakyRelu": 22, "MaxPool": 5,
		"Reshape": 2, "Transpose": 1, "Concat": 1}},
	"yolov8n": {299, map[string]int{"Conv": 64, "BatchNormalization": 57, "Sigmoid": 58, "Mul": 58, "Add": 8,
		"Split": 10, "Concat": 21, "MaxPool": 3, "Resize": 2, "Shape": 2, "Constant": 6, "Reshape": 5,
		"Transpose": 1, "Softmax": 1, "Sub": 2, "Div": 1}},
}

var dynamo = Options{Style: StyleDynamo}

func TestOptions_UnknownStyle(t *testing.T) {
	opts := Options{Style: "tf2onnx"}
	_, err := BuildWith("resnet18", 1, opts)
	werr := WriteWith(&bytes.Buffer{}, "resnet18", 1, opts)
	for _, e := range []error{err, werr} {
		if e == nil || !strings.Contains(e.Error(), `"tf2onnx"`) ||
			!strings.Contains(e.Error(), "torchscript") || !strings.Contains(e.Error(), "dynamo") {
			t.Errorf("unknown style: error %v does not name it and list the valid ones", e)
		}
	}
	if _, err := BuildWith("resnet18", 1, Options{Style: StyleTorchScript}); err != nil {
		t.Errorf("explicit default style: %v", err)
	}
}

// TestSpec_Dynamo checks each graph in StyleDynamo without drawing weights:
// header, op mix, naming, value_info and the opset-18 forms an importer must
// accept.
func TestSpec_Dynamo(t *testing.T) {
	for _, tc := range zooModels {
		t.Run(tc.name, func(t *testing.T) {
			want, ok := dynamoModels[tc.name]
			if !ok {
				t.Fatalf("no dynamoModels entry")
			}
			s, err := newSpec(tc.name, 1, dynamo)
			if err != nil {
				t.Fatal(err)
			}
			m, g := s.model, s.model.Graph
			if m.IrVersion != 10 || len(m.OpsetImport) != 2 || m.OpsetImport[0].Domain != "" ||
				m.OpsetImport[0].Version != 18 || m.OpsetImport[1].Domain != "pkg.onnxscript.torch_lib.common" {
				t.Errorf("model header: ir %d opsets %v", m.IrVersion, m.OpsetImport)
			}
			if len(g.Node) != want.nodes {
				t.Errorf("nodes = %d, want %d", len(g.Node), want.nodes)
			}
			ops := map[string]int{}
			for _, n := range g.Node {
				ops[n.OpType]++
			}
			if fmt.Sprint(ops) != fmt.Sprint(want.ops) {
				t.Errorf("ops = %v\nwant %v", ops, want.ops)
			}
			if !sameShape(dims(g.Input[0]), tc.input) || g.Output[0].Name != "output" || !sameShape(dims(g.Output[0]), tc.output) {
				t.Errorf("input %v, output %v", g.Input, g.Output)
			}
			checkValueInfo(t, g)
			checkOpsetForms(t, g, s.params)
			checkSignatureOrder(t, s.params)
			checkWiring(t, g, s.params, true)
		})
	}
}

// dynamoNamed reports whether n is named as the dynamo exporter names
// nodes: "node_<value>" after its (first) output, "node_<Op>_<N>" for a
// helper computing "val_<N>", "node_split..." for a Split into getitems.
func dynamoNamed(n *onnxpb.NodeProto) bool {
	out := n.Output[0]
	switch {
	case strings.Contains(out, "/"):
		return false
	case strings.HasPrefix(out, "val_"):
		return len(n.Output) == 1 && n.Name == "node_"+n.OpType+"_"+strings.TrimPrefix(out, "val_")
	case n.OpType == "Split":
		for _, o := range n.Output {
			if !strings.HasPrefix(o, "getitem") {
				return false
			}
		}
		return strings.HasPrefix(n.Name, "node_split")
	case out == "output":
		return strings.HasPrefix(n.Name, "node_")
	}
	return n.Name == "node_"+out
}

// checkValueInfo checks that value_info types every node output but the
// graph output, with full static shapes.
func checkValueInfo(t *testing.T, g *onnxpb.GraphProto) {
	t.Helper()
	infos := map[string]*onnxpb.ValueInfoProto{}
	for _, vi := range g.ValueInfo {
		if infos[vi.Name] != nil {
			t.Errorf("value_info %s given twice", vi.Name)
		}
		infos[vi.Name] = vi
	}
	outs := 0
	for _, n := range g.Node {
		for _, o := range n.Output {
			if o == "output" {
				continue
			}
			outs++
			vi := infos[o]
			if vi == nil {
				t.Errorf("node %s: output %s has no value_info", n.Name, o)
				continue
			}
			tt := vi.GetType().GetTensorType()
			if tt.GetElemType() != int32(onnxpb.TensorProto_FLOAT) && tt.GetElemType() != int32(onnxpb.TensorProto_INT64) {
				t.Errorf("value_info %s: element type %d", o, tt.GetElemType())
			}
			for _, d := range tt.GetShape().GetDim() {
				if d.GetDimValue() <= 0 {
					t.Errorf("value_info %s: shape %v is not static", o, dims(vi))
				}
			}
		}
	}
	if outs != len(g.ValueInfo) {
		t.Errorf("%d value_info entries for %d node outputs", len(g.ValueInfo), outs)
	}
}

// checkOpsetForms checks the opset-18 forms that distinguish the dynamo
// export from the TorchScript one.
func checkOpsetForms(t *testing.T, g *onnxpb.GraphProto, params []param) {
	t.Helper()
	inits := map[string]*param{}
	for i := range params {
		inits[params[i].name] = &params[i]
	}
	attr := func(n *onnxpb.NodeProto, name string) *onnxpb.AttributeProto {
		for _, a := range n.Attribute {
			if a.Name == name {
				return a
			}
		}
		return nil
	}
	for _, n := range g.Node {
		switch n.OpType {
		case "Conv":
			if attr(n, "kernel_shape") != nil {
				t.Errorf("%s: Conv has kernel_shape", n.Name)
			}
		case "BatchNormalization":
			if a := attr(n, "training_mode"); a == nil || a.I != 0 {
				t.Errorf("%s: training_mode %v, want 0", n.Name, a)
			}
		case "Clip":
			for _, in := range n.Input[1:] {
				if p := inits[in]; p == nil || p.kind != kindConst || len(p.dims) != 0 {
					t.Errorf("%s: bound %s is not a scalar initializer", n.Name, in)
				}
			}
		case "ReduceMean":
			if len(n.Input) != 2 || inits[n.Input[1]] == nil || attr(n, "axes") != nil {
				t.Errorf("%s: ReduceMean axes not an initializer input: %v", n.Name, n.Input)
			}
		case "Reshape":
			if a := attr(n, "allowzero"); a == nil || a.I != 1 {
				t.Errorf("%s: allowzero %v, want 1", n.Name, a)
			}
		case "MaxPool":
			if len(n.Output) != 2 {
				t.Errorf("%s: MaxPool has %d outputs, want 2 (indices unused)", n.Name, len(n.Output))
			}
		case "Flatten", "GlobalAveragePool":
			t.Errorf("%s: %s is an opset-13 form", n.Name, n.OpType)
		}
	}
}

// checkSignatureOrder checks that initializers come as torch.export lists
// them: parameters, buffers, constants.
func checkSignatureOrder(t *testing.T, params []param) {
	t.Helper()
	class := func(p *param) int {
		switch {
		case p.trainable():
			return 0
		case p.buffer():
			return 1
		}
		return 2
	}
	last := 0
	for i := range params {
		c := class(&params[i])
		if c < last {
			t.Errorf("initializer %s (class %d) after class %d", params[i].name, c, last)
			return
		}
		last = c
	}
}

// TestSpec_DynamoWeights checks that both styles hold the same values: every
// parameter of the default style is drawn, under the same key and layout,
// in the dynamo style (a transposed copy for MatMul weights).
func TestSpec_DynamoWeights(t *testing.T) {
	for _, tc := range zooModels {
		t.Run(tc.name, func(t *testing.T) {
			ts, err := newSpec(tc.name, 3, Options{})
			if err != nil {
				t.Fatal(err)
			}
			dy, err := newSpec(tc.name, 3, dynamo)
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]*param{}
			for i := range ts.params {
				byName[ts.params[i].name] = &ts.params[i]
			}
			seen := 0
			for i := range dy.params {
				p := &dy.params[i]
				if p.kind == kindConst {
					continue
				}
				q := byName[p.drawKey()]
				if q == nil {
					t.Errorf("%s (key %s) is not a default-style parameter", p.name, p.drawKey())
					continue
				}
				seen++
				d := p.dims
				if p.transposed {
					d = []int64{d[1], d[0]}
				}
				if !sameShape(d, q.dims) || p.kind != q.kind || p.fanIn != q.fanIn || p.transposed != (p.name != q.name) {
					t.Errorf("%s: dims %v kind %d fan-in %d; default %s: %v kind %d fan-in %d",
						p.name, p.dims, p.kind, p.fanIn, q.name, q.dims, q.kind, q.fanIn)
					continue
				}
				if tc.big && p.numel() > 1<<20 {
					continue // same key, kind and shape: same values; spare the draw
				}
				want := q.raw(3)
				if p.transposed {
					want = transpose32(want, q.dims[0], q.dims[1])
				}
				if !bytes.Equal(p.raw(3), want) {
					t.Errorf("%s holds other values than %s", p.name, q.name)
				}
			}
			if seen != len(ts.params) {
				t.Errorf("%d of %d default-style parameters found", seen, len(ts.params))
			}
		})
	}
}

// TestWriteWith_Dynamo checks that WriteWith streams exactly
// proto.Marshal(BuildWith) in the dynamo style, weights in range.
func TestWriteWith_Dynamo(t *testing.T) {
	for _, name := range []string{"mobilenet_v2", "tiny-yolov2", "yolov8n"} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteWith(&buf, name, 5, dynamo); err != nil {
				t.Fatal(err)
			}
			built, err := BuildWith(name, 5, dynamo)
			if err != nil {
				t.Fatal(err)
			}
			s, err := newSpec(name, 5, dynamo)
			if err != nil {
				t.Fatal(err)
			}
			checkWeights(t, built.Graph, s.params)
			b, err := proto.Marshal(built)
			if err != nil {
				t.Fatal(err)
			}
			if sha256.Sum256(b) != sha256.Sum256(buf.Bytes()) {
				t.Errorf("WriteWith (%d bytes) differs from proto.Marshal(BuildWith) (%d bytes)", buf.Len(), len(b))
			}
		})
	}
}

func ExampleBuildWith() {
	m, err := BuildWith("resnet18", 1, Options{Style: StyleDynamo})
	if err != nil {
		panic(err)
	}
	g := m.Graph
	fmt.Println(m.OpsetImport[0].Version, g.Node[0].Name, g.Node[0].OpType, g.Initializer[0].Name)
	fmt.Println(g.Node[len(g.Node)-2].Name, g.Node[len(g.Node)-2].OpType, len(g.ValueInfo))
	// Output:
	// 18 node_conv2d Conv conv1.weight
	// node_view Reshape 70
}
