package ref

import (
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

func TestAveragePool_AsymmetricPadsCountIncludePad(t *testing.T) {
	// 2x2 windows over x padded by one row above and one column on the left.
	x := nnF(graphir.Shape{1, 1, 3, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	base := nnAttrs{"kernel_shape": nnAInts(2, 2), "pads": nnAInts(1, 1, 0, 0)}
	got := nnCase{op: graphir.OpAveragePool, attrs: base, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 3, 3},
		1, 1.5, 2.5,
		2.5, 3, 4,
		5.5, 6, 7)

	a := base.Clone()
	a["count_include_pad"] = nnAInt(1)
	got = nnCase{op: graphir.OpAveragePool, attrs: a, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 3, 3},
		0.25, 0.75, 1.25,
		1.25, 3, 4,
		2.75, 6, 7)

	got = nnCase{op: graphir.OpMaxPool, attrs: base, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 3, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9)
}

func TestPool_CeilMode(t *testing.T) {
	// x[i][j] = 4i + j; 3x3 windows with stride 2 start at 0 and 2, the
	// second one cut to two rows/columns by the edge.
	x := nnIota(graphir.Shape{1, 1, 4, 4})
	a := nnAttrs{"kernel_shape": nnAInts(3, 3), "strides": nnAInts(2, 2), "ceil_mode": nnAInt(1)}
	got := nnCase{op: graphir.OpMaxPool, attrs: a, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 2, 2}, 10, 11, 14, 15)
	got = nnCase{op: graphir.OpAveragePool, attrs: a, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 2, 2}, 5, 6.5, 11, 12.5)

	// count_include_pad counts pad positions but not those past the end pad
	// that ceil_mode adds (as onnxruntime and PyTorch do): no pads, same result.
	a["count_include_pad"] = nnAInt(1)
	got = nnCase{op: graphir.OpAveragePool, attrs: a, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 2, 2}, 5, 6.5, 11, 12.5)

	// Without ceil_mode only the first window fits.
	delete(a, "ceil_mode")
	got = nnCase{op: graphir.OpMaxPool, attrs: a, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 1, 1}, 10)

	// A last window that would start in the end pad is dropped.
	a = nnAttrs{"kernel_shape": nnAInts(1, 1), "strides": nnAInts(2, 2), "ceil_mode": nnAInt(1)}
	got = nnCase{op: graphir.OpMaxPool, attrs: a, in: []*graphir.Tensor{nnIota(graphir.Shape{1, 1, 2, 2})}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 1, 1}, 0)
}

func TestMaxPool_Dilations(t *testing.T) {
	x := nnIota(graphir.Shape{1, 1, 4, 4})
	a := nnAttrs{"kernel_shape": nnAInts(2, 2), "dilations": nnAInts(2, 2)}
	got := nnCase{op: graphir.OpMaxPool, attrs: a, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 2, 2}, 10, 11, 14, 15)
}

func TestPool_SameLower(t *testing.T) {
	// SAME_LOWER with a 2-wide kernel pads one column at the beginning.
	x := nnF(graphir.Shape{1, 1, 1, 3}, 1, 2, 3)
	a := nnAttrs{"kernel_shape": nnAInts(1, 2), "auto_pad": nnAStr("SAME_LOWER")}
	got := nnCase{op: graphir.OpAveragePool, attrs: a, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 1, 3}, 1, 1.5, 2.5)
	a["auto_pad"] = nnAStr("SAME_UPPER")
	got = nnCase{op: graphir.OpAveragePool, attrs: a, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 1, 3}, 1.5, 2.5, 3)
}

func TestAveragePool_1D(t *testing.T) {
	x := nnF(graphir.Shape{1, 1, 5}, 1, 2, 3, 4, 5)
	a := nnAttrs{"kernel_shape": nnAInts(2), "strides": nnAInts(2), "pads": nnAInts(1, 1)}
	got := nnCase{op: graphir.OpAveragePool, attrs: a, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 3}, 1, 2.5, 4.5)
}

func TestGlobalPools(t *testing.T) {
	x := nnF(graphir.Shape{1, 2, 2, 2}, 1, 2, 3, 4, -1, -2, -3, -8)
	got := nnCase{op: graphir.OpGlobalAveragePool, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 2, 1, 1}, 2.5, -3.5)
	got = nnCase{op: graphir.OpGlobalMaxPool, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 2, 1, 1}, 4, -1)
}

func TestMaxPool_Indices(t *testing.T) {
	// Two channels of a 3x3 plane; 2x2 windows, stride 1, one pad row above.
	x := nnF(graphir.Shape{1, 2, 3, 3},
		1, 9, 2,
		3, 4, 8,
		7, 5, 6,

		0, 0, 0,
		0, 0, 0,
		0, 0, 1)
	for _, order := range []int64{0, 1} {
		n := &graphir.Node{Op: graphir.OpMaxPool, Attrs: nnAttrs{"kernel_shape": nnAInts(2, 2), "pads": nnAInts(1, 0, 0, 0), "storage_order": nnAInt(order)},
			Inputs:  []*graphir.Value{{Name: "x", DType: graphir.Float32, Shape: x.Shape}},
			Outputs: []*graphir.Value{{Name: "y"}, {Name: "i"}}}
		if err := graphir.InferNode(n); err != nil {
			t.Fatal(err)
		}
		out, err := Run(n, []*graphir.Tensor{x})
		if err != nil {
			t.Fatal(err)
		}
		nnExpect(t, out[0], graphir.Shape{1, 2, 3, 2}, 9, 9, 9, 9, 7, 8, 0, 0, 0, 0, 0, 1)
		// Row-major indices into the whole input; ties pick the first position.
		want := []int64{1, 1, 1, 1, 6, 5, 9, 10, 9, 10, 12, 17}
		if order == 1 { // column-major within each plane
			want = []int64{3, 3, 3, 3, 2, 7, 9, 12, 9, 12, 10, 17}
		}
		for i := range want {
			if out[1].I[i] != want[i] {
				t.Fatalf("storage_order %d: indices %v, want %v", order, out[1].I, want)
			}
		}
	}
}
