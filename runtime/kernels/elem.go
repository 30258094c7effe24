package kernels

import (
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels/internal/par"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

// elemMinWork is the least number of elements worth a thread.
const elemMinWork = 1 << 16

// prepareUnary takes float32 Relu, LeakyRelu, Clip and HardSwish.
func prepareUnary(n *graphir.Node, env kernelapi.Env, ops *simd.Ops) (kernelapi.Kernel, error) {
	if !floatIn(n, 0) || len(n.Outputs) != 1 || n.Outputs[0] == nil {
		return nil, nil
	}
	act := activation{op: n.Op}
	switch n.Op {
	case graphir.OpLeakyRelu:
		act.alpha = n.Attrs["alpha"].Float
	case graphir.OpClip:
		act.lo, act.hi = n.Attrs["min"].Float, n.Attrs["max"].Float
	}
	threads := env.Threads
	return func(_ *graphir.Node, in, out []*graphir.Tensor) error {
		x, y := in[0].F, out[0].F
		split(threads, len(y), func(lo, hi int) {
			copy(y[lo:hi], x[lo:hi])
			act.apply(ops, y[lo:hi])
		})
		return nil
	}, nil
}

// split runs f over [0, n) in chunks (multiples of 64 elements) handed
// out to the threads worth using.
func split(threads, n int, f func(lo, hi int)) {
	par.Blocks(par.Chunks(threads, float64(n), elemMinWork), n, 64, parChunks, f)
}

// prepareBinary takes float32 Add, Sub, Mul and Div of two inputs whose
// shapes are equal to the output's, or where one of them is constant along
// a trailing block of axes (a scalar, a per-channel [C,1,1] operand).
func prepareBinary(n *graphir.Node, env kernelapi.Env, ops *simd.Ops) (kernelapi.Kernel, error) {
	if len(n.Inputs) != 2 || !floatIn(n, 0) || !floatIn(n, 1) || len(n.Outputs) != 1 || n.Outputs[0] == nil {
		return nil, nil
	}
	ys := n.Outputs[0].Shape
	as, bs := n.In(0).Shape, n.In(1).Shape
	var vec func(d, a, b []float32)
	var sca, rsca func(d, a []float32, s float32)
	switch n.Op {
	case graphir.OpAdd:
		vec, sca, rsca = ops.Add, ops.AddScalar, ops.AddScalar
	case graphir.OpSub:
		vec, sca, rsca = ops.Sub, ops.SubScalar, ops.RSubScalar
	case graphir.OpMul:
		vec, sca, rsca = ops.Mul, ops.MulScalar, ops.MulScalar
	case graphir.OpDiv:
		vec, sca, rsca = ops.Div, ops.DivScalar, ops.RDivScalar
	default:
		return nil, nil
	}
	threads := env.Threads
	if as.Equal(ys) && bs.Equal(ys) {
		return func(_ *graphir.Node, in, out []*graphir.Tensor) error {
			a, b, y := in[0].F, in[1].F, out[0].F
			split(threads, len(y), func(lo, hi int) { vec(y[lo:hi], a[lo:hi], b[lo:hi]) })
			return nil
		}, nil
	}
	// One operand full, the other constant over blocks of `inner` elements.
	full, bcast, f := 0, 1, sca
	if !as.Equal(ys) {
		full, bcast, f = 1, 0, rsca
		if !bs.Equal(ys) {
			return nil, nil
		}
	}
	inner, ok := blockBroadcast(n.In(bcast).Shape, ys)
	if !ok {
		return nil, nil
	}
	return func(_ *graphir.Node, in, out []*graphir.Tensor) error {
		a, s, y := in[full].F, in[bcast].F, out[0].F
		if inner == 0 || len(y) == 0 {
			return nil
		}
		blocks := len(y) / inner
		par.Blocks(par.Chunks(threads, float64(len(y)), elemMinWork), blocks, 1, parChunks, func(lo, hi int) {
			for o := lo; o < hi; o++ {
				f(y[o*inner:(o+1)*inner], a[o*inner:(o+1)*inner], s[o])
			}
		})
		return nil
	}, nil
}

// blockBroadcast reports whether s, right-aligned to y, equals y on a
// leading run of axes and is 1 on all axes after it, and returns the
// number of elements of y per element of s (the product of those axes).
func blockBroadcast(s, y graphir.Shape) (inner int, ok bool) {
	if len(s) > len(y) {
		return 0, false
	}
	full := make(graphir.Shape, len(y))
	for i := range full {
		full[i] = 1
	}
	copy(full[len(y)-len(s):], s)
	split := len(y)
	for split > 0 && full[split-1] == 1 {
		split--
	}
	for i := 0; i < split; i++ {
		if full[i] != y[i] {
			return 0, false
		}
	}
	inner = 1
	for _, d := range y[split:] {
		inner *= d
	}
	return inner, true
}
