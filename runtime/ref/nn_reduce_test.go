package ref

import (
	"math"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

func TestReduce_AxesAndKeepdims(t *testing.T) {
	x := nnIota(graphir.Shape{2, 3, 2}) // x[i][j][k] = 6i + 2j + k
	cases := []struct {
		name  string
		op    graphir.Op
		opset int
		attrs nnAttrs
		axes  *graphir.Tensor
		shape graphir.Shape
		want  []float32
	}{
		{"sum axis 1 attr", graphir.OpReduceSum, 11, nnAttrs{"axes": nnAInts(1)}, nil, graphir.Shape{2, 1, 2}, []float32{6, 9, 24, 27}},
		{"sum axis -1 input no keepdims", graphir.OpReduceSum, 13, nnAttrs{"keepdims": nnAInt(0)}, nnI(-1), graphir.Shape{2, 3}, []float32{1, 5, 9, 13, 17, 21}},
		{"sum all", graphir.OpReduceSum, 13, nil, nil, graphir.Shape{1, 1, 1}, []float32{66}},
		{"sum empty axes noop", graphir.OpReduceSum, 13, nnAttrs{"noop_with_empty_axes": nnAInt(1)}, nnI(), graphir.Shape{2, 3, 2}, x.F},
		{"mean axes 0 2", graphir.OpReduceMean, 18, nnAttrs{"keepdims": nnAInt(0)}, nnI(2, 0), graphir.Shape{3}, []float32{3.5, 5.5, 7.5}},
		{"max axis 1", graphir.OpReduceMax, 13, nnAttrs{"axes": nnAInts(1)}, nil, graphir.Shape{2, 1, 2}, []float32{4, 5, 10, 11}},
		{"min axis 0", graphir.OpReduceMin, 18, nnAttrs{"keepdims": nnAInt(0)}, nnI(0), graphir.Shape{3, 2}, []float32{0, 1, 2, 3, 4, 5}},
		{"prod axis 2", graphir.OpReduceProd, 13, nnAttrs{"axes": nnAInts(2), "keepdims": nnAInt(0)}, nil, graphir.Shape{2, 3}, []float32{0, 6, 20, 42, 72, 110}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := []*graphir.Tensor{x}
			if c.axes != nil {
				in = append(in, c.axes)
			}
			got := nnCase{op: c.op, opset: c.opset, attrs: c.attrs, in: in}.run(t)
			nnExpect(t, got, c.shape, c.want...)
		})
	}
}

func TestReduce_EmptyAndInt64(t *testing.T) {
	empty := graphir.NewTensor(graphir.Float32, graphir.Shape{2, 0})
	got := nnCase{op: graphir.OpReduceMax, opset: 18, in: []*graphir.Tensor{empty, nnI(1)}}.run(t)
	if !got.Shape.Equal(graphir.Shape{2, 1}) || !math.IsInf(float64(got.F[0]), -1) {
		t.Fatalf("max of empty set: %v %v, want [2 1] of -inf", got.Shape, got.F)
	}
	got = nnCase{op: graphir.OpReduceSum, opset: 13, in: []*graphir.Tensor{empty, nnI(1)}}.run(t)
	nnExpect(t, got, graphir.Shape{2, 1}, 0, 0)

	shape := graphir.FromInts(graphir.Shape{3}, []int64{2, 3, 4})
	got = nnCase{op: graphir.OpReduceProd, opset: 13, attrs: nnAttrs{"keepdims": nnAInt(0)}, in: []*graphir.Tensor{shape}}.run(t)
	if got.DType != graphir.Int64 || len(got.Shape) != 0 || got.I[0] != 24 {
		t.Fatalf("int64 product: %v %v %v, want scalar 24", got.DType, got.Shape, got.I)
	}
}
