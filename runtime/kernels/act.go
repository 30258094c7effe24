package kernels

import (
	"fmt"
	"math"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

// activation is an element-wise op applied after a convolution.
type activation struct {
	op            graphir.Op // OpInvalid for none
	alpha, lo, hi float32
}

// activationOf reads the fused activation of a convolution node.
func activationOf(n *graphir.Node) (activation, error) {
	a, ok := n.Attrs[graphir.AttrActivation]
	if !ok {
		return activation{}, nil
	}
	if a.Kind != graphir.AttrString {
		return activation{}, fmt.Errorf("attribute %q is %s, want string", graphir.AttrActivation, a.Kind)
	}
	op, ok := graphir.ParseOp(a.Str)
	if !ok || !graphir.FusableActivations[op] {
		return activation{}, fmt.Errorf("attribute %q: %q is not a fusable activation", graphir.AttrActivation, a.Str)
	}
	r := n.Attrs.Reader()
	act := activation{op: op,
		alpha: r.Float(graphir.AttrActivationAlpha, 0.01),
		lo:    r.Float(graphir.AttrActivationMin, float32(math.Inf(-1))),
		hi:    r.Float(graphir.AttrActivationMax, float32(math.Inf(1)))}
	return act, r.Err()
}

// gemm returns the micro-kernel activation and constants, and a Go pass for
// what the micro-kernels do not do (Sigmoid).
func (a activation) gemm() (act int, prm simd.Params, post func([]float32)) {
	switch a.op {
	case graphir.OpRelu:
		prm.Set(0, float32(math.Inf(1)))
		return simd.ActClamp, prm, nil
	case graphir.OpClip:
		prm.Set(a.lo, a.hi)
		return simd.ActClamp, prm, nil
	case graphir.OpLeakyRelu:
		prm.Set(a.alpha)
		return simd.ActLeaky, prm, nil
	case graphir.OpHardSwish:
		prm.Set(1.0/6, 0.5, 1)
		return simd.ActHardSwish, prm, nil
	case graphir.OpSigmoid:
		return simd.ActNone, prm, sigmoidRow
	}
	return simd.ActNone, prm, nil
}

// bounds returns the activation as a clamp to [lo, hi] for kernels that
// clamp in registers (none: the whole line; Relu; Clip), or post true when
// it must run afterwards (apply).
func (a activation) bounds() (lo, hi float32, post bool) {
	lo, hi = float32(math.Inf(-1)), float32(math.Inf(1))
	switch a.op {
	case graphir.OpInvalid:
	case graphir.OpRelu:
		lo = 0
	case graphir.OpClip:
		lo, hi = a.lo, a.hi
	default:
		post = true
	}
	return lo, hi, post
}

// apply runs the activation over x in place.
func (a activation) apply(ops *simd.Ops, x []float32) {
	switch a.op {
	case graphir.OpRelu:
		ops.Clamp(x, x, 0, float32(math.Inf(1)))
	case graphir.OpClip:
		ops.Clamp(x, x, a.lo, a.hi)
	case graphir.OpLeakyRelu:
		ops.Leaky(x, x, a.alpha)
	case graphir.OpHardSwish:
		ops.HardSwish(x, x)
	case graphir.OpSigmoid:
		sigmoidRow(x)
	}
}

// sigmoidRow is the reference Sigmoid (computed in float64) in place.
func sigmoidRow(x []float32) {
	for i, v := range x {
		f := float64(v)
		if f >= 0 {
			f = 1 / (1 + math.Exp(-f))
		} else {
			e := math.Exp(f)
			f = e / (1 + e)
		}
		x[i] = float32(f)
	}
}
