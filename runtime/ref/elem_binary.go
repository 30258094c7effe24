package ref

import (
	"errors"
	"math"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
)

// elemOps holds an op's float32 and int64 forms.
type elemOps struct {
	f func(a, b float32) float32
	i func(a, b int64) int64
}

var (
	elemAdd = elemOps{func(a, b float32) float32 { return a + b }, func(a, b int64) int64 { return a + b }}
	elemSub = elemOps{func(a, b float32) float32 { return a - b }, func(a, b int64) int64 { return a - b }}
	elemMul = elemOps{func(a, b float32) float32 { return a * b }, func(a, b int64) int64 { return a * b }}
	// Integer division truncates toward zero, like C; callers rule out zero.
	elemDiv = elemOps{func(a, b float32) float32 { return a / b }, func(a, b int64) int64 { return a / b }}
	elemMax = elemOps{elemMaxF, func(a, b int64) int64 { return max(a, b) }}
	elemMin = elemOps{elemMinF, func(a, b int64) int64 { return min(a, b) }}
)

// elemMaxF and elemMinF propagate NaN, like numpy's maximum and minimum.
func elemMaxF(a, b float32) float32 {
	if a != a || b != b {
		return float32(math.NaN())
	}
	return max(a, b)
}

func elemMinF(a, b float32) float32 {
	if a != a || b != b {
		return float32(math.NaN())
	}
	return min(a, b)
}

var errIntDivZero = errors.New("integer division by zero")

func init() {
	Register(graphir.OpAdd, elemVariadicKernel(elemAdd, false))
	Register(graphir.OpSub, elemVariadicKernel(elemSub, false))
	Register(graphir.OpMul, elemVariadicKernel(elemMul, false))
	Register(graphir.OpDiv, elemVariadicKernel(elemDiv, false))
	Register(graphir.OpSum, elemVariadicKernel(elemAdd, false))
	Register(graphir.OpMax, elemVariadicKernel(elemMax, false))
	Register(graphir.OpMin, elemVariadicKernel(elemMin, false))
	Register(graphir.OpMean, elemVariadicKernel(elemAdd, true))
	Register(graphir.OpPow, powKernel)
}

// elemVariadicKernel folds op over the inputs left to right, each broadcast
// to the output; mean divides the result by the number of inputs.
func elemVariadicKernel(op elemOps, mean bool) kernelapi.Kernel {
	return func(n *graphir.Node, in, out []*graphir.Tensor) error {
		y := out[0]
		if y.DType == graphir.Int64 {
			if n.Op == graphir.OpDiv {
				for _, v := range in[1].I {
					if v == 0 {
						return errIntDivZero
					}
				}
			}
			elemFold(y.I, y.Shape, in, func(t *graphir.Tensor) []int64 { return t.I }, op.i)
			return nil
		}
		elemFold(y.F, y.Shape, in, func(t *graphir.Tensor) []float32 { return t.F }, op.f)
		if mean {
			k := float32(len(in))
			for i := range y.F {
				y.F[i] /= k
			}
		}
		return nil
	}
}

// elemFold sets dst = in[0] broadcast, then dst = f(dst, in[k]) for k >= 1.
func elemFold[T float32 | int64](dst []T, shape graphir.Shape, in []*graphir.Tensor, data func(*graphir.Tensor) []T, f func(a, b T) T) {
	elemBroadcastInto(dst, shape, in[0].Shape, data(in[0]))
	for _, t := range in[1:] {
		src := data(t)
		if t.Shape.Equal(shape) {
			for i := range dst {
				dst[i] = f(dst[i], src[i])
			}
			continue
		}
		it := newOffsetIter(shape, graphir.BroadcastStrides(t.Shape, shape))
		for i := range dst {
			dst[i] = f(dst[i], src[it.off[0]])
			it.next()
		}
	}
}

// elemBroadcastInto copies src of shape srcShape broadcast to dst of shape.
func elemBroadcastInto[T float32 | int64](dst []T, shape, srcShape graphir.Shape, src []T) {
	if srcShape.Equal(shape) {
		copy(dst, src)
		return
	}
	it := newOffsetIter(shape, graphir.BroadcastStrides(srcShape, shape))
	for i := range dst {
		dst[i] = src[it.off[0]]
		it.next()
	}
}

// powKernel raises a float32 base to a float32 or int64 exponent.
func powKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, e, y := in[0], in[1], out[0]
	it := newOffsetIter(y.Shape, graphir.BroadcastStrides(x.Shape, y.Shape), graphir.BroadcastStrides(e.Shape, y.Shape))
	for i := range y.F {
		var p float64
		if e.DType == graphir.Int64 {
			p = float64(e.I[it.off[1]])
		} else {
			p = float64(e.F[it.off[1]])
		}
		y.F[i] = float32(math.Pow(float64(x.F[it.off[0]]), p))
		it.next()
	}
	return nil
}
