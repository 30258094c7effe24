package ref

import (
	"math"
	"math/rand"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

type nnAttrs = graphir.Attrs

func nnAInts(v ...int64) graphir.Attr { return graphir.Attr{Kind: graphir.AttrInts, Ints: v} }
func nnAInt(v int64) graphir.Attr     { return graphir.Attr{Kind: graphir.AttrInt, Int: v} }
func nnAStr(v string) graphir.Attr    { return graphir.Attr{Kind: graphir.AttrString, Str: v} }
func nnAFloat(v float32) graphir.Attr { return graphir.Attr{Kind: graphir.AttrFloat, Float: v} }
func nnAFloats(v ...float32) graphir.Attr {
	return graphir.Attr{Kind: graphir.AttrFloats, Floats: v}
}

// nnCase is one node to infer and run: inputs after the first are marked
// constant, as weights and Resize scales are in real models; a nil input is
// an omitted optional one.
type nnCase struct {
	op    graphir.Op
	opset int
	attrs graphir.Attrs
	in    []*graphir.Tensor
}

// run infers the node and runs its reference kernel.
func (c nnCase) run(t *testing.T) *graphir.Tensor {
	t.Helper()
	n := &graphir.Node{Name: "n", Op: c.op, Opset: c.opset, Attrs: c.attrs.Clone()}
	for i, x := range c.in {
		if x == nil {
			n.Inputs = append(n.Inputs, nil)
			continue
		}
		v := &graphir.Value{Name: "in", DType: x.DType, Shape: x.Shape.Clone()}
		if i > 0 {
			v.Const = x
		}
		n.Inputs = append(n.Inputs, v)
	}
	n.Outputs = []*graphir.Value{{Name: "out"}}
	if err := graphir.InferNode(n); err != nil {
		t.Fatalf("infer: %v", err)
	}
	out, err := Run(n, c.in)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return out[0]
}

// nnF is a float32 tensor.
func nnF(shape graphir.Shape, v ...float32) *graphir.Tensor {
	return graphir.FromFloats(shape, v)
}

// nnI is a 1-D int64 tensor.
func nnI(v ...int64) *graphir.Tensor {
	return graphir.FromInts(graphir.Shape{len(v)}, v)
}

// nnIota is a float32 tensor holding 0, 1, 2, ...
func nnIota(shape graphir.Shape) *graphir.Tensor {
	t := graphir.NewTensor(graphir.Float32, shape)
	for i := range t.F {
		t.F[i] = float32(i)
	}
	return t
}

// nnRand is a float32 tensor of values in [-1, 1) from a fixed seed.
func nnRand(seed int64, shape graphir.Shape) *graphir.Tensor {
	r := rand.New(rand.NewSource(seed))
	t := graphir.NewTensor(graphir.Float32, shape)
	for i := range t.F {
		t.F[i] = 2*r.Float32() - 1
	}
	return t
}

// nnExpect checks shape and values within 1e-5 relative to max(1, |want|).
func nnExpect(t *testing.T, got *graphir.Tensor, shape graphir.Shape, want ...float32) {
	t.Helper()
	if !got.Shape.Equal(shape) {
		t.Fatalf("shape %v, want %v", got.Shape, shape)
	}
	if len(got.F) != len(want) {
		t.Fatalf("%d values, want %d", len(got.F), len(want))
	}
	for i := range want {
		tol := 1e-5 * math.Max(1, math.Abs(float64(want[i])))
		if d := math.Abs(float64(got.F[i] - want[i])); !(d <= tol) {
			t.Fatalf("element %d is %g, want %g\ngot  %v\nwant %v", i, got.F[i], want[i], got.F, want)
		}
	}
}
