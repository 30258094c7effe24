package bench

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/proto"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer/onnxpb"
)

// exportOpset is the ONNX opset ExportONNX writes (14: the first with
// HardSwish).
const exportOpset = 14

// exportAttrs lists, per op ExportONNX can write, the attributes it keeps
// from the node's (normalised) attributes: those ONNX defines at opset 14.
// Everything the importer normalises for these ops (explicit pads,
// kernel_shape, ...) is a valid ONNX attribute of the same meaning.
var exportAttrs = map[graphir.Op][]string{
	graphir.OpConv:               {"kernel_shape", "strides", "dilations", "pads", "group"},
	graphir.OpRelu:               nil,
	graphir.OpLeakyRelu:          {"alpha"},
	graphir.OpSigmoid:            nil,
	graphir.OpHardSwish:          nil,
	graphir.OpClip:               nil, // min and max become inputs
	graphir.OpMaxPool:            {"kernel_shape", "strides", "dilations", "pads", "ceil_mode", "storage_order"},
	graphir.OpAveragePool:        {"kernel_shape", "strides", "pads", "ceil_mode", "count_include_pad"},
	graphir.OpGlobalAveragePool:  nil,
	graphir.OpBatchNormalization: {"epsilon"},
	graphir.OpGlobalMaxPool:      nil,
	graphir.OpAdd:                nil,
	graphir.OpSub:                nil,
	graphir.OpMul:                nil,
	graphir.OpDiv:                nil,
	graphir.OpConcat:             {"axis"},
	graphir.OpGemm:               {"alpha", "beta", "transA", "transB"},
	graphir.OpMatMul:             nil,
	graphir.OpFlatten:            {"axis"},
	graphir.OpReshape:            nil, // the shape stays a constant input
	graphir.OpTranspose:          {"perm"},
	graphir.OpPad:                {"mode"}, // pads and value become inputs
}

// ExportONNX writes g as an ONNX model (opset 14) that another engine can
// load: graph inputs and outputs with their static shapes, constants as
// initializers. It covers the ops of the shared reference models and the
// zoo's CNNs (Conv, the usual activations, pooling, Pad, element-wise
// arithmetic, Concat, BatchNormalization, Gemm, MatMul, Flatten, Reshape,
// Transpose); another op is an error naming it. A Conv that carries a sum or an activation
// fused by graphir.FuseConvEpilogues is written as the Conv, the Add and the activation node.
// Sub-graphs cut by ConvStack and ConvLayers export.
func ExportONNX(g *graphir.Graph) ([]byte, error) {
	gp := &onnxpb.GraphProto{Name: "edgectl_bench"}
	if g.Name != "" {
		gp.Name = g.Name
	}
	seen := map[*graphir.Value]bool{}
	addConst := func(name string, t *graphir.Tensor) error {
		tp, err := tensorProto(name, t)
		if err != nil {
			return err
		}
		gp.Initializer = append(gp.Initializer, tp)
		return nil
	}
	for _, v := range g.Inputs {
		gp.Input = append(gp.Input, valueInfo(v))
	}
	for _, n := range g.Nodes {
		for _, e := range unfuse(n) {
			np, err := nodeProto(e, seen, addConst)
			if err != nil {
				return nil, fmt.Errorf("export node %s: %w", n, err)
			}
			gp.Node = append(gp.Node, np)
		}
	}
	for _, v := range g.Outputs {
		gp.Output = append(gp.Output, valueInfo(v))
	}
	m := &onnxpb.ModelProto{
		IrVersion:    8,
		ProducerName: "edgectl-bench",
		Graph:        gp,
		OpsetImport:  []*onnxpb.OperatorSetIdProto{{Version: exportOpset}},
	}
	return proto.Marshal(m)
}

func nodeProto(n *graphir.Node, seen map[*graphir.Value]bool, addConst func(string, *graphir.Tensor) error) (*onnxpb.NodeProto, error) {
	keep, ok := exportAttrs[n.Op]
	if !ok {
		return nil, fmt.Errorf("op %s cannot be written for another engine", n.Op)
	}
	np := &onnxpb.NodeProto{Name: n.Name, OpType: n.Op.String()}
	for i, v := range n.Inputs {
		if (n.Op == graphir.OpClip || n.Op == graphir.OpPad) && i > 0 {
			break // written below from the normalised attributes
		}
		if v == nil {
			np.Input = append(np.Input, "")
			continue
		}
		if v.Const != nil && !seen[v] {
			seen[v] = true
			if err := addConst(v.Name, v.Const); err != nil {
				return nil, err
			}
		}
		np.Input = append(np.Input, v.Name)
	}
	if n.Op == graphir.OpClip {
		r := n.Attrs.Reader()
		for _, b := range []string{"min", "max"} {
			lim := float32(math.Inf(1))
			if b == "min" {
				lim = float32(math.Inf(-1))
			}
			name := n.Name + "_" + b
			if err := addConst(name, graphir.FromFloats(graphir.Shape{}, []float32{r.Float(b, lim)})); err != nil {
				return nil, err
			}
			np.Input = append(np.Input, name)
		}
	}
	if n.Op == graphir.OpPad {
		r := n.Attrs.Reader()
		pads := r.Ints("pads", nil)
		for _, c := range []struct {
			name string
			t    *graphir.Tensor
		}{
			{n.Name + "_pads", graphir.FromInts(graphir.Shape{len(pads)}, pads)},
			{n.Name + "_value", graphir.FromFloats(graphir.Shape{}, []float32{r.Float("value", 0)})},
		} {
			if err := addConst(c.name, c.t); err != nil {
				return nil, err
			}
			np.Input = append(np.Input, c.name)
		}
	}
	for _, v := range n.Outputs {
		if v == nil {
			np.Output = append(np.Output, "")
		} else {
			np.Output = append(np.Output, v.Name)
		}
	}
	for _, name := range keep {
		a, ok := n.Attrs[name]
		if !ok {
			continue
		}
		ap, err := attrProto(name, a)
		if err != nil {
			return nil, err
		}
		np.Attribute = append(np.Attribute, ap)
	}
	return np, nil
}

// unfuse returns n, or for a Conv with a fused sum or activation
// (graphir.FuseConvEpilogues), the plain Conv writing an intermediate value, the Add of
// the sum and the activation node.
func unfuse(n *graphir.Node) []*graphir.Node {
	a, act := n.Attrs[graphir.AttrActivation]
	_, sum := n.Attrs[graphir.AttrSum]
	if n.Op != graphir.OpConv || (!act && !sum) || len(n.Outputs) != 1 || n.Outputs[0] == nil {
		return []*graphir.Node{n}
	}
	var op graphir.Op
	if act {
		var ok bool
		if op, ok = graphir.ParseOp(a.Str); !ok {
			return []*graphir.Node{n} // nodeProto keeps only Conv's attributes; the error shows in the outputs
		}
	}
	y := n.Outputs[0]
	mid := &graphir.Value{Name: y.Name + "_preact", DType: y.DType, Shape: y.Shape}
	if !act {
		mid = y
	}
	ins := n.Inputs
	var out []*graphir.Node
	if sum && len(ins) > 3 {
		conv := &graphir.Value{Name: y.Name + "_conv", DType: y.DType, Shape: y.Shape}
		out = append(out,
			&graphir.Node{Name: n.Name, Op: graphir.OpConv, Inputs: ins[:3], Outputs: []*graphir.Value{conv}, Attrs: n.Attrs},
			&graphir.Node{Name: n.Name + "_sum", Op: graphir.OpAdd, Inputs: []*graphir.Value{conv, ins[3]}, Outputs: []*graphir.Value{mid}, Attrs: graphir.Attrs{}})
	} else {
		out = append(out, &graphir.Node{Name: n.Name, Op: graphir.OpConv, Inputs: ins, Outputs: []*graphir.Value{mid}, Attrs: n.Attrs})
	}
	if !act {
		return out
	}
	an := &graphir.Node{Name: n.Name + "_" + a.Str, Op: op, Inputs: []*graphir.Value{mid}, Outputs: []*graphir.Value{y}, Attrs: graphir.Attrs{}}
	r := n.Attrs.Reader()
	switch op {
	case graphir.OpLeakyRelu:
		an.Attrs.SetFloat("alpha", r.Float(graphir.AttrActivationAlpha, 0.01))
	case graphir.OpClip:
		an.Attrs.SetFloat("min", r.Float(graphir.AttrActivationMin, float32(math.Inf(-1))))
		an.Attrs.SetFloat("max", r.Float(graphir.AttrActivationMax, float32(math.Inf(1))))
	}
	return append(out, an)
}

func valueInfo(v *graphir.Value) *onnxpb.ValueInfoProto {
	dims := make([]*onnxpb.TensorShapeProto_Dimension, len(v.Shape))
	for i, d := range v.Shape {
		dims[i] = &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}}
	}
	return &onnxpb.ValueInfoProto{
		Name: v.Name,
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
			ElemType: int32(elemType(v.DType)),
			Shape:    &onnxpb.TensorShapeProto{Dim: dims},
		}}},
	}
}

func elemType(d graphir.DType) onnxpb.TensorProto_DataType {
	if d == graphir.Int64 {
		return onnxpb.TensorProto_INT64
	}
	return onnxpb.TensorProto_FLOAT
}

func tensorProto(name string, t *graphir.Tensor) (*onnxpb.TensorProto, error) {
	tp := &onnxpb.TensorProto{Name: name, DataType: int32(elemType(t.DType))}
	for _, d := range t.Shape {
		tp.Dims = append(tp.Dims, int64(d))
	}
	switch t.DType {
	case graphir.Float32:
		raw := make([]byte, 4*len(t.F))
		for i, f := range t.F {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(f))
		}
		tp.RawData = raw
	case graphir.Int64:
		raw := make([]byte, 8*len(t.I))
		for i, v := range t.I {
			binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
		}
		tp.RawData = raw
	default:
		return nil, fmt.Errorf("constant %q has type %s", name, t.DType)
	}
	return tp, nil
}

func attrProto(name string, a graphir.Attr) (*onnxpb.AttributeProto, error) {
	ap := &onnxpb.AttributeProto{Name: name}
	switch a.Kind {
	case graphir.AttrInt:
		ap.Type, ap.I = onnxpb.AttributeProto_INT, a.Int
	case graphir.AttrFloat:
		ap.Type, ap.F = onnxpb.AttributeProto_FLOAT, a.Float
	case graphir.AttrString:
		ap.Type, ap.S = onnxpb.AttributeProto_STRING, []byte(a.Str)
	case graphir.AttrInts:
		ap.Type, ap.Ints = onnxpb.AttributeProto_INTS, a.Ints
	case graphir.AttrFloats:
		ap.Type, ap.Floats = onnxpb.AttributeProto_FLOATS, a.Floats
	default:
		return nil, fmt.Errorf("attribute %q of kind %s cannot be written", name, a.Kind)
	}
	return ap, nil
}
