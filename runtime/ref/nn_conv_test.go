package ref

import (
	"fmt"
	"math"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

func TestConv_AsymmetricPads(t *testing.T) {
	// pads [top, left, bottom, right] = [1, 0, 0, 1]: a zero row above and
	// a zero column on the right; the 2x2 ones kernel sums each window.
	x := nnF(graphir.Shape{1, 1, 3, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	w := nnF(graphir.Shape{1, 1, 2, 2}, 1, 1, 1, 1)
	got := nnCase{op: graphir.OpConv, attrs: nnAttrs{"pads": nnAInts(1, 0, 0, 1)}, in: []*graphir.Tensor{x, w}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 3, 3},
		3, 5, 3,
		12, 16, 9,
		24, 28, 15)
}

func TestConv_Groups(t *testing.T) {
	// Depthwise: each channel has its own 1x1 weight and bias.
	x := nnF(graphir.Shape{1, 2, 2, 2}, 1, 2, 3, 4, 5, 6, 7, 8)
	w := nnF(graphir.Shape{2, 1, 1, 1}, 2, 3)
	b := nnF(graphir.Shape{2}, 1, -1)
	got := nnCase{op: graphir.OpConv, attrs: nnAttrs{"group": nnAInt(2)}, in: []*graphir.Tensor{x, w, b}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 2, 2, 2}, 3, 5, 7, 9, 14, 17, 20, 23)

	// Two groups of two input channels: out0 = x0 + 10*x1, out1 = 100*x2 + 1000*x3.
	x = nnF(graphir.Shape{1, 4, 1, 1}, 1, 2, 3, 4)
	w = nnF(graphir.Shape{2, 2, 1, 1}, 1, 10, 100, 1000)
	got = nnCase{op: graphir.OpConv, attrs: nnAttrs{"group": nnAInt(2)}, in: []*graphir.Tensor{x, w}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 2, 1, 1}, 21, 4300)
}

func TestConv_DilationStride(t *testing.T) {
	// x[i][j] = 5i + j; taps at (2oy, 2ox) + {0, 2}^2 with weights 1..4 give
	// 10a + 82 for a = x[2oy][2ox].
	x := nnIota(graphir.Shape{1, 1, 5, 5})
	w := nnF(graphir.Shape{1, 1, 2, 2}, 1, 2, 3, 4)
	got := nnCase{op: graphir.OpConv, attrs: nnAttrs{"dilations": nnAInts(2, 2), "strides": nnAInts(2, 2)}, in: []*graphir.Tensor{x, w}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 2, 2}, 82, 102, 182, 202)
}

func TestConv_1D(t *testing.T) {
	x := nnF(graphir.Shape{1, 1, 4}, 1, 2, 3, 4)
	w := nnF(graphir.Shape{1, 1, 2}, 1, -1)
	got := nnCase{op: graphir.OpConv, attrs: nnAttrs{"pads": nnAInts(1, 0)}, in: []*graphir.Tensor{x, w}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 4}, -1, -1, -1, -1)
}

func TestConv_3D(t *testing.T) {
	x := nnIota(graphir.Shape{1, 1, 2, 2, 3})
	w := nnF(graphir.Shape{1, 1, 2, 2, 2}, 1, 1, 1, 1, 1, 1, 1, 1)
	got := nnCase{op: graphir.OpConv, in: []*graphir.Tensor{x, w}}.run(t)
	// x[d][h][w] = 6d + 3h + w; a 2x2x2 window at w0 averages 3 + 1.5 + w0 + 0.5.
	nnExpect(t, got, graphir.Shape{1, 1, 1, 1, 2}, 8*5, 8*6)

	one := nnF(graphir.Shape{1, 1, 1, 1, 1}, 2)
	w = nnIota(graphir.Shape{1, 2, 1, 2, 2})
	got = nnCase{op: graphir.OpConvTranspose, in: []*graphir.Tensor{one, w}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 2, 1, 2, 2}, 0, 2, 4, 6, 8, 10, 12, 14)
}

func TestConvTranspose_Hand(t *testing.T) {
	x := nnF(graphir.Shape{1, 1, 2, 2}, 1, 2, 3, 4)
	w := nnF(graphir.Shape{1, 1, 2, 2}, 1, 1, 1, 1)
	in := []*graphir.Tensor{x, w}
	// Stride 2 spreads each input into its own 2x2 block.
	got := nnCase{op: graphir.OpConvTranspose, attrs: nnAttrs{"strides": nnAInts(2, 2)}, in: in}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 4, 4},
		1, 1, 2, 2,
		1, 1, 2, 2,
		3, 3, 4, 4,
		3, 3, 4, 4)
	// output_padding adds a row and a column at the end, holding the bias.
	b := nnF(graphir.Shape{1}, 0.5)
	got = nnCase{op: graphir.OpConvTranspose, attrs: nnAttrs{"strides": nnAInts(2, 2), "output_padding": nnAInts(1, 1)}, in: []*graphir.Tensor{x, w, b}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 5, 5},
		1.5, 1.5, 2.5, 2.5, 0.5,
		1.5, 1.5, 2.5, 2.5, 0.5,
		3.5, 3.5, 4.5, 4.5, 0.5,
		3.5, 3.5, 4.5, 4.5, 0.5,
		0.5, 0.5, 0.5, 0.5, 0.5)
	// Begin pads crop the first row and column.
	got = nnCase{op: graphir.OpConvTranspose, attrs: nnAttrs{"strides": nnAInts(2, 2), "pads": nnAInts(1, 1, 0, 0)}, in: in}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 3, 3},
		1, 2, 2,
		3, 4, 4,
		3, 4, 4)
	// output_shape 3x3 with stride 2: total padding 1, at the beginning (NOTSET).
	got = nnCase{op: graphir.OpConvTranspose, attrs: nnAttrs{"strides": nnAInts(2, 2), "output_shape": nnAInts(3, 3)}, in: in}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 3, 3},
		1, 2, 2,
		3, 4, 4,
		3, 4, 4)
	// SAME_UPPER puts the odd pad at the end: output 4x4 = in*stride, no crop.
	got = nnCase{op: graphir.OpConvTranspose, attrs: nnAttrs{"strides": nnAInts(2, 2), "auto_pad": nnAStr("SAME_UPPER")}, in: in}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 4, 4},
		1, 1, 2, 2,
		1, 1, 2, 2,
		3, 3, 4, 4,
		3, 3, 4, 4)
}

// TestConvTranspose_Adjoint checks ConvTranspose against Conv independently
// of both kernels' index arithmetic: with the same weights and geometry,
// ConvTranspose is the adjoint of Conv, so <Conv(x), r> = <x, ConvT(r)>.
func TestConvTranspose_Adjoint(t *testing.T) {
	configs := []struct {
		cin, cout, group, h, w, kh, kw int
		attrs                          nnAttrs
	}{
		{1, 1, 1, 5, 5, 3, 3, nnAttrs{}},
		{2, 3, 1, 6, 7, 3, 2, nnAttrs{"strides": nnAInts(2, 3), "pads": nnAInts(1, 0, 2, 1)}},
		{4, 6, 2, 7, 6, 3, 3, nnAttrs{"strides": nnAInts(2, 2), "dilations": nnAInts(2, 1), "pads": nnAInts(0, 2, 1, 1)}},
		{3, 3, 3, 8, 8, 3, 3, nnAttrs{"strides": nnAInts(3, 2), "pads": nnAInts(1, 1, 1, 1)}},
		{2, 4, 2, 9, 5, 2, 3, nnAttrs{"strides": nnAInts(3, 1), "dilations": nnAInts(2, 2)}},
	}
	for i, c := range configs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			a := c.attrs.Clone()
			a["group"] = nnAInt(int64(c.group))
			x := nnRand(int64(10*i+1), graphir.Shape{2, c.cin, c.h, c.w})
			w := nnRand(int64(10*i+2), graphir.Shape{c.cout, c.cin / c.group, c.kh, c.kw})
			y := nnCase{op: graphir.OpConv, attrs: a, in: []*graphir.Tensor{x, w}}.run(t)
			r := nnRand(int64(10*i+3), y.Shape)

			// output_padding makes ConvTranspose's output the size of x.
			strides, dil, pads := []int64{1, 1}, []int64{1, 1}, []int64{0, 0, 0, 0}
			if v, ok := a["strides"]; ok {
				strides = v.Ints
			}
			if v, ok := a["dilations"]; ok {
				dil = v.Ints
			}
			if v, ok := a["pads"]; ok {
				pads = v.Ints
			}
			k := []int64{int64(c.kh), int64(c.kw)}
			in := []int64{int64(c.h), int64(c.w)}
			op := make([]int64, 2)
			for d := 0; d < 2; d++ {
				full := strides[d]*int64(y.Shape[2+d]-1) + (k[d]-1)*dil[d] + 1 - pads[d] - pads[2+d]
				op[d] = in[d] - full
			}
			at := a.Clone()
			at["output_padding"] = nnAInts(op...)
			xt := nnCase{op: graphir.OpConvTranspose, attrs: at, in: []*graphir.Tensor{r, w}}.run(t)
			if !xt.Shape.Equal(x.Shape) {
				t.Fatalf("transpose shape %v, want %v", xt.Shape, x.Shape)
			}
			lhs, rhs := nnDot(y.F, r.F), nnDot(x.F, xt.F)
			if math.Abs(lhs-rhs) > 1e-4*math.Max(1, math.Abs(lhs)) {
				t.Fatalf("<conv(x), r> = %g, <x, convT(r)> = %g", lhs, rhs)
			}
		})
	}
}

func nnDot(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}
