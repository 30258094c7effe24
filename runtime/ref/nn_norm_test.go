package ref

import (
	"math"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

func TestBatchNormalization(t *testing.T) {
	x := nnF(graphir.Shape{1, 2, 1, 2}, 1, 3, 10, 20)
	scale, bias := nnF(graphir.Shape{2}, 2, 1), nnF(graphir.Shape{2}, 0, 1)
	mean, variance := nnF(graphir.Shape{2}, 1, 10), nnF(graphir.Shape{2}, 4, 100)
	a := nnAttrs{"epsilon": nnAFloat(0)}
	got := nnCase{op: graphir.OpBatchNormalization, opset: 15, attrs: a, in: []*graphir.Tensor{x, scale, bias, mean, variance}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 2, 1, 2}, 0, 2, 1, 2)
}

func TestInstanceNormalization(t *testing.T) {
	// Plane [1 2 3]: mean 2, variance 2/3.
	x := nnF(graphir.Shape{1, 1, 3}, 1, 2, 3)
	got := nnCase{op: graphir.OpInstanceNormalization, attrs: nnAttrs{"epsilon": nnAFloat(0)},
		in: []*graphir.Tensor{x, nnF(graphir.Shape{1}, 2), nnF(graphir.Shape{1}, 1)}}.run(t)
	d := float32(2 / math.Sqrt(2.0/3))
	nnExpect(t, got, graphir.Shape{1, 1, 3}, 1-d, 1, 1+d)
}

func TestLRN(t *testing.T) {
	// size 2 sums channels c-0..c+1: c0 over {0,1}, c1 over {1} only.
	x := nnF(graphir.Shape{1, 2, 1, 1}, 1, 2)
	a := nnAttrs{"size": nnAInt(2), "alpha": nnAFloat(2), "beta": nnAFloat(0.5), "bias": nnAFloat(1)}
	got := nnCase{op: graphir.OpLRN, attrs: a, in: []*graphir.Tensor{x}}.run(t)
	// y = x / (1 + 2/2 * sumsq)^0.5
	nnExpect(t, got, graphir.Shape{1, 2, 1, 1}, float32(1/math.Sqrt(6)), float32(2/math.Sqrt(5)))
}
