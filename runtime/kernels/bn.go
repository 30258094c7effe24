package kernels

import (
	"math"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels/internal/par"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

// prepareBatchNorm takes float32 BatchNormalization in inference form
// (one output, no training_mode) whose scale, bias, mean and variance are
// constants of one value per channel: y = x*s[c] + t[c], with s =
// scale/sqrt(var+epsilon) and t = bias - mean*s worked out here once in
// float64. The importer folds a BatchNormalization after a convolution
// into it; this is the rest (DenseNet's and pre-activation ResNets', after
// a Concat or an Add), which the reference ran an element at a time in
// float64 (DenseNet-121: 62 of them, 22% of its time on one thread).
func prepareBatchNorm(n *graphir.Node, env kernelapi.Env, ops *simd.Ops) (kernelapi.Kernel, error) {
	if !bnTaken(n) {
		return nil, nil
	}
	x := n.In(0)
	channels := x.Shape[1]
	inner := 1
	for _, d := range x.Shape[2:] {
		inner *= d
	}
	planes := x.Shape[0] * channels
	scale, bias, mean, variance := n.In(1).Const.F, n.In(2).Const.F, n.In(3).Const.F, n.In(4).Const.F
	eps := float64(n.Attrs["epsilon"].Float) // normalised by graphir (default 1e-5)
	s, t := make([]float32, channels), make([]float32, channels)
	for c := range channels {
		k := float64(scale[c]) / math.Sqrt(float64(variance[c])+eps)
		s[c], t[c] = float32(k), float32(float64(bias[c])-float64(mean[c])*k)
	}
	threads := par.Chunks(env.Threads, float64(planes*inner), elemMinWork)
	return func(_ *graphir.Node, in, out []*graphir.Tensor) error {
		x, y := in[0].F, out[0].F
		par.Blocks(threads, planes, 1, parChunks, func(lo, hi int) {
			for p := lo; p < hi; p++ {
				c := p % channels
				yp := y[p*inner : (p+1)*inner]
				ops.MulScalar(yp, x[p*inner:(p+1)*inner], s[c])
				ops.AddScalar(yp, yp, t[c])
			}
		})
		return nil
	}, nil
}

// bnTaken reports whether prepareBatchNorm takes n (the planner's
// cost model restates it: planner/costmodel).
func bnTaken(n *graphir.Node) bool {
	if n.Op != graphir.OpBatchNormalization || len(n.Inputs) != 5 || !floatIn(n, 0) || len(n.Outputs) != 1 || n.Outputs[0] == nil {
		return false
	}
	if a, ok := n.Attrs["training_mode"]; ok && a.Int != 0 {
		return false
	}
	x := n.In(0)
	if len(x.Shape) < 2 || x.Shape[1] < 1 {
		return false
	}
	for i := 1; i < 5; i++ {
		v := n.In(i)
		if !floatIn(n, i) || v.Const == nil || v.Const.Shape.Size() != x.Shape[1] || len(v.Const.F) != x.Shape[1] {
			return false
		}
	}
	return true
}
