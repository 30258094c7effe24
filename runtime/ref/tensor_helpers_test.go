package ref

import (
	"math"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

// tensorSpec is a one-node graph for kernel tests: inputs in the listed
// slots of consts are bound as constants, nil inputs are omitted.
type tensorSpec struct {
	op     graphir.Op
	opset  int
	attrs  graphir.Attrs
	in     []*graphir.Tensor
	consts []int
	outs   int
}

// runErr infers the node and runs its reference kernel.
func (s tensorSpec) runErr() ([]*graphir.Tensor, error) {
	n := &graphir.Node{Name: "n", Op: s.op, Opset: s.opset, Attrs: s.attrs}
	if n.Opset == 0 {
		n.Opset = 13
	}
	for i, t := range s.in {
		if t == nil {
			n.Inputs = append(n.Inputs, nil)
			continue
		}
		v := &graphir.Value{Name: "in", DType: t.DType, Shape: t.Shape}
		if tensorCaseHasSlot(s.consts, i) {
			v.Const = t
		}
		n.Inputs = append(n.Inputs, v)
	}
	for range max(s.outs, 1) {
		n.Outputs = append(n.Outputs, &graphir.Value{Name: "out"})
	}
	if err := graphir.InferNode(n); err != nil {
		return nil, err
	}
	return Run(n, s.in)
}

// run is runErr that fails the test on error.
func (s tensorSpec) run(t *testing.T) []*graphir.Tensor {
	t.Helper()
	out, err := s.runErr()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func tensorTestF(shape graphir.Shape, v ...float32) *graphir.Tensor {
	return graphir.FromFloats(shape, v)
}

func tensorTestI(shape graphir.Shape, v ...int64) *graphir.Tensor {
	return graphir.FromInts(shape, v)
}

// tensorTestIota is a float32 tensor holding 0, 1, 2, ...
func tensorTestIota(shape graphir.Shape) *graphir.Tensor {
	t := graphir.NewTensor(graphir.Float32, shape)
	for i := range t.F {
		t.F[i] = float32(i)
	}
	return t
}

// tensorTestExpect compares got with want; floats to 1e-6 relative.
func tensorTestExpect(t *testing.T, got, want *graphir.Tensor) {
	t.Helper()
	if got.DType != want.DType || !got.Shape.Equal(want.Shape) {
		t.Fatalf("got %s%v, want %s%v", got.DType, got.Shape, want.DType, want.Shape)
	}
	for i := range want.I {
		if got.I[i] != want.I[i] {
			t.Fatalf("got %v, want %v", got.I, want.I)
		}
	}
	for i, w := range want.F {
		g := got.F[i]
		if math.IsNaN(float64(w)) != math.IsNaN(float64(g)) ||
			math.Abs(float64(g-w)) > 1e-6*max(1, math.Abs(float64(w))) {
			t.Fatalf("got %v, want %v", got.F, want.F)
		}
	}
}

func TestTensorCaseCompare_Tolerance(t *testing.T) {
	want := tensorTestF(graphir.Shape{3}, 1, 200, float32(math.NaN()))
	if err := tensorCaseCompare(tensorTestF(graphir.Shape{3}, 1, 200.01, float32(math.NaN())), want); err != nil {
		t.Errorf("within tolerance: %v", err)
	}
	if err := tensorCaseCompare(tensorTestF(graphir.Shape{3}, 1, 200.03, float32(math.NaN())), want); err == nil {
		t.Error("difference of 0.03 at scale 200 passed")
	}
	if err := tensorCaseCompare(tensorTestF(graphir.Shape{3}, 1, 200, 0), want); err == nil {
		t.Error("missing NaN passed")
	}
	if err := tensorCaseCompare(tensorTestI(graphir.Shape{1}, 1), tensorTestI(graphir.Shape{1}, 2)); err == nil {
		t.Error("int64 mismatch passed")
	}
}
