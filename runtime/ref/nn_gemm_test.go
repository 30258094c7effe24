package ref

import (
	"fmt"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

func TestGemm_TransposeAndBias(t *testing.T) {
	a := nnF(graphir.Shape{3, 2}, 1, 4, 2, 5, 3, 6) // A^T = [[1 2 3] [4 5 6]]
	b := nnF(graphir.Shape{2, 3}, 1, 0, 1, 0, 1, 1) // B^T = [[1 0] [0 1] [1 1]]
	c := nnF(graphir.Shape{2}, 10, 20)
	attrs := nnAttrs{"transA": nnAInt(1), "transB": nnAInt(1), "alpha": nnAFloat(2), "beta": nnAFloat(0.5)}
	got := nnCase{op: graphir.OpGemm, attrs: attrs, in: []*graphir.Tensor{a, b, c}}.run(t)
	// A^T B^T = [[4 5] [10 11]]; doubled plus half of C per column.
	nnExpect(t, got, graphir.Shape{2, 2}, 13, 20, 25, 32)

	// C of shape [M, 1] broadcasts along rows; no C at all is allowed.
	c = nnF(graphir.Shape{2, 1}, 1, 2)
	got = nnCase{op: graphir.OpGemm, attrs: nnAttrs{"transA": nnAInt(1), "transB": nnAInt(1)}, in: []*graphir.Tensor{a, b, c}}.run(t)
	nnExpect(t, got, graphir.Shape{2, 2}, 5, 6, 12, 13)
	got = nnCase{op: graphir.OpGemm, attrs: nnAttrs{"transA": nnAInt(1), "transB": nnAInt(1)}, in: []*graphir.Tensor{a, b}}.run(t)
	nnExpect(t, got, graphir.Shape{2, 2}, 4, 5, 10, 11)
}

// TestMatMul_Broadcast compares batched, broadcast and 1-D products with a
// product written out per batch element.
func TestMatMul_Broadcast(t *testing.T) {
	cases := []struct{ a, b, want graphir.Shape }{
		{graphir.Shape{3}, graphir.Shape{3}, graphir.Shape{}},
		{graphir.Shape{4}, graphir.Shape{2, 4, 3}, graphir.Shape{2, 3}},
		{graphir.Shape{2, 1, 3, 4}, graphir.Shape{4}, graphir.Shape{2, 1, 3}},
		{graphir.Shape{3, 1, 2, 4}, graphir.Shape{1, 2, 4, 5}, graphir.Shape{3, 2, 2, 5}},
		{graphir.Shape{2, 3}, graphir.Shape{4, 3, 2}, graphir.Shape{4, 2, 2}},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(c.a, c.b), func(t *testing.T) {
			a, b := nnRand(int64(2*i), c.a), nnRand(int64(2*i+1), c.b)
			got := nnCase{op: graphir.OpMatMul, in: []*graphir.Tensor{a, b}}.run(t)
			nnExpect(t, got, c.want, nnMatMulSlow(a, b, c.want)...)
		})
	}
}

// nnMatMulSlow promotes both operands to rank 4 and multiplies with
// explicit broadcast index arithmetic.
func nnMatMulSlow(a, b *graphir.Tensor, outShape graphir.Shape) []float32 {
	as, bs := a.Shape, b.Shape
	if len(as) == 1 {
		as = graphir.Shape{1, as[0]}
	}
	if len(bs) == 1 {
		bs = graphir.Shape{bs[0], 1}
	}
	for len(as) < 4 {
		as = append(graphir.Shape{1}, as...)
	}
	for len(bs) < 4 {
		bs = append(graphir.Shape{1}, bs...)
	}
	m, k, n := as[2], as[3], bs[3]
	var out []float32
	for i0 := 0; i0 < max(as[0], bs[0]); i0++ {
		for i1 := 0; i1 < max(as[1], bs[1]); i1++ {
			a0, a1 := i0%as[0], i1%as[1]
			b0, b1 := i0%bs[0], i1%bs[1]
			for r := 0; r < m; r++ {
				for c := 0; c < n; c++ {
					s := 0.0
					for p := 0; p < k; p++ {
						av := a.F[((a0*as[1]+a1)*m+r)*k+p]
						bv := b.F[((b0*bs[1]+b1)*k+p)*n+c]
						s += float64(av) * float64(bv)
					}
					out = append(out, float32(s))
				}
			}
		}
	}
	return out
}
