package ref

import (
	"math"

	"github.com/edgectl/edgectl/graphir"
)

// elemFloatFn builds the float function of a unary op from the node's
// normalised attributes.
type elemFloatFn func(a graphir.Attrs) func(x float64) float64

// elemFixed wraps a function that takes no attributes.
func elemFixed(f func(x float64) float64) elemFloatFn {
	return func(graphir.Attrs) func(float64) float64 { return f }
}

func init() {
	registerUnary(graphir.OpRelu, elemFixed(func(x float64) float64 { return max(x, 0) }),
		func(x int64) int64 { return max(x, 0) })
	registerUnary(graphir.OpLeakyRelu, func(a graphir.Attrs) func(float64) float64 {
		alpha := float64(a["alpha"].Float)
		return func(x float64) float64 {
			if x < 0 {
				return alpha * x
			}
			return x
		}
	}, nil)
	registerUnary(graphir.OpSigmoid, elemFixed(elemSigmoid), nil)
	registerUnary(graphir.OpHardSigmoid, func(a graphir.Attrs) func(float64) float64 {
		alpha, beta := float64(a["alpha"].Float), float64(a["beta"].Float)
		return func(x float64) float64 { return max(0, min(1, alpha*x+beta)) }
	}, nil)
	registerUnary(graphir.OpHardSwish, elemFixed(func(x float64) float64 {
		return x * max(0, min(1, x/6+0.5))
	}), nil)
	registerUnary(graphir.OpTanh, elemFixed(math.Tanh), nil)
	registerUnary(graphir.OpElu, func(a graphir.Attrs) func(float64) float64 {
		alpha := float64(a["alpha"].Float)
		return func(x float64) float64 {
			if x < 0 {
				return alpha * math.Expm1(x)
			}
			return x
		}
	}, nil)
	registerUnary(graphir.OpSelu, func(a graphir.Attrs) func(float64) float64 {
		alpha, gamma := float64(a["alpha"].Float), float64(a["gamma"].Float)
		return func(x float64) float64 {
			if x <= 0 {
				return gamma * alpha * math.Expm1(x)
			}
			return gamma * x
		}
	}, nil)
	registerUnary(graphir.OpMish, elemFixed(func(x float64) float64 {
		return x * math.Tanh(elemSoftplus(x))
	}), nil)
	registerUnary(graphir.OpSoftplus, elemFixed(elemSoftplus), nil)
	registerUnary(graphir.OpExp, elemFixed(math.Exp), nil)
	registerUnary(graphir.OpLog, elemFixed(math.Log), nil)
	registerUnary(graphir.OpSqrt, elemFixed(math.Sqrt), nil)
	registerUnary(graphir.OpReciprocal, elemFixed(func(x float64) float64 { return 1 / x }), nil)
	registerUnary(graphir.OpErf, elemFixed(math.Erf), nil)
	registerUnary(graphir.OpFloor, elemFixed(math.Floor), nil)
	registerUnary(graphir.OpCeil, elemFixed(math.Ceil), nil)
	registerUnary(graphir.OpNeg, elemFixed(func(x float64) float64 { return -x }),
		func(x int64) int64 { return -x })
	registerUnary(graphir.OpAbs, elemFixed(math.Abs), func(x int64) int64 {
		if x < 0 {
			return -x
		}
		return x
	})
	Register(graphir.OpClip, clipKernel)
	Register(graphir.OpPRelu, preluKernel)
}

func elemSigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// elemSoftplus is log(1+exp(x)) without overflow for large x.
func elemSoftplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// registerUnary installs a kernel that applies f to float32 data (computed
// in float64) and fi, if not nil, to int64 data.
func registerUnary(op graphir.Op, f elemFloatFn, fi func(int64) int64) {
	Register(op, func(n *graphir.Node, in, out []*graphir.Tensor) error {
		x, y := in[0], out[0]
		if x.DType == graphir.Int64 {
			for i, v := range x.I {
				y.I[i] = fi(v)
			}
			return nil
		}
		fn := f(n.Attrs)
		for i, v := range x.F {
			y.F[i] = float32(fn(float64(v)))
		}
		return nil
	})
}

// clipKernel clamps to the normalised float attributes min and max, as
// min(max(x, lo), hi), so hi wins when lo > hi.
func clipKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	lo, hi := n.Attrs["min"].Float, n.Attrs["max"].Float
	x, y := in[0], out[0]
	if x.DType == graphir.Int64 {
		for i, v := range x.I {
			if float64(v) < float64(lo) {
				v = clipToInt64(lo)
			}
			if float64(v) > float64(hi) {
				v = clipToInt64(hi)
			}
			y.I[i] = v
		}
		return nil
	}
	for i, v := range x.F {
		y.F[i] = min(max(v, lo), hi)
	}
	return nil
}

// clipToInt64 converts a finite bound to int64 (infinite bounds never clamp).
func clipToInt64(v float32) int64 {
	return int64(math.Round(float64(v)))
}

// preluKernel computes x < 0 ? slope*x : x with the slope broadcast to x.
func preluKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, slope, y := in[0], in[1], out[0]
	it := newOffsetIter(y.Shape, graphir.BroadcastStrides(slope.Shape, y.Shape))
	for i, v := range x.F {
		if v < 0 {
			v *= slope.F[it.off[0]]
		}
		y.F[i] = v
		it.next()
	}
	return nil
}
