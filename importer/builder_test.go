package importer

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/edgectl/edgectl/importer/onnxpb"
)

// mb builds small ONNX models for tests.
type mb struct {
	g     *onnxpb.GraphProto
	opset int64
	rng   *rand.Rand
}

func newMB(opset int64) *mb {
	return &mb{g: &onnxpb.GraphProto{Name: "test"}, opset: opset, rng: rand.New(rand.NewPCG(1, 2))}
}

func (b *mb) input(name string, dims ...int64) {
	b.g.Input = append(b.g.Input, valueInfo(name, int32(onnxpb.TensorProto_FLOAT), dims))
}

func (b *mb) output(name string) {
	b.g.Output = append(b.g.Output, &onnxpb.ValueInfoProto{Name: name})
}

func valueInfo(name string, et int32, dims []int64) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}})
	}
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: et, Shape: shape}}}}
}

// weight adds a random float32 initializer with raw data.
func (b *mb) weight(name string, lo, hi float64, dims ...int64) []float32 {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	vals := make([]float32, n)
	for i := range vals {
		vals[i] = float32(lo + (hi-lo)*b.rng.Float64())
	}
	b.g.Initializer = append(b.g.Initializer, floatTensor(name, vals, dims))
	return vals
}

func floatTensor(name string, vals []float32, dims []int64) *onnxpb.TensorProto {
	raw := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return &onnxpb.TensorProto{Name: name, Dims: dims, DataType: int32(onnxpb.TensorProto_FLOAT), RawData: raw}
}

func (b *mb) node(op string, ins, outs []string, attrs ...*onnxpb.AttributeProto) {
	b.g.Node = append(b.g.Node, &onnxpb.NodeProto{Name: "/" + op + "_" + outs[0], OpType: op, Input: ins, Output: outs, Attribute: attrs})
}

func intsAttr(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: v}
}

func floatAttr(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_FLOAT, F: v}
}

func (b *mb) bytes(t testing.TB) []byte {
	m := &onnxpb.ModelProto{IrVersion: 8, ProducerName: "edgectl-test", Graph: b.g,
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: "", Version: b.opset}}}
	out, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// convBNRelu is x[1,3,8,8] -> Conv 3x3 pad 1 (4 out) -> BN -> Relu -> y.
func convBNRelu() *mb {
	b := newMB(13)
	b.input("x", 1, 3, 8, 8)
	b.weight("w", -1, 1, 4, 3, 3, 3)
	b.weight("cb", -0.5, 0.5, 4)
	b.weight("gamma", 0.5, 1.5, 4)
	b.weight("beta", -0.5, 0.5, 4)
	b.weight("mean", -0.5, 0.5, 4)
	b.weight("var", 0.5, 1.5, 4)
	b.node("Conv", []string{"x", "w", "cb"}, []string{"c"}, intsAttr("pads", 1, 1, 1, 1), intsAttr("kernel_shape", 3, 3))
	b.node("BatchNormalization", []string{"c", "gamma", "beta", "mean", "var"}, []string{"bn"}, floatAttr("epsilon", 1e-5))
	b.node("Relu", []string{"bn"}, []string{"y"})
	b.output("y")
	return b
}
