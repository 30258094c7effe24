package costmodel

import "github.com/edgectl/edgectl/graphir"

// HeldWeightBytes is what a device holds for node n's constants when its
// kernel is of kind k: the constants themselves (the executor keeps the
// graph's and passes them to every run) and the copy the kernel makes of
// the weights at Prepare, as runtime/kernels does: Winograd's transformed
// weights, 16/9 of a 3x3 kernel's (4x4 values for 3x3 per channel pair);
// the GEMM's packed panels and the direct first layer's interleaved taps,
// one more copy. Depthwise convolutions, Gemm and MatMul (matrix-vector
// products at batch 1) read the constants as they are.
//
// A fused VGG-16 tile to pool4 holds 30.5 MB of weights and 54 MB of
// Winograd's (heap profile of a worker): counting the constants alone, a
// planner puts three times too much on a device with a memory limit.
func HeldWeightBytes(n *graphir.Node, k Kind) float64 {
	all := NodeWork(n).WeightBytes
	var w float64
	if n.Op == graphir.OpConv {
		if v := n.In(1); v != nil && v.IsConst() {
			w = float64(v.Shape.Size()) * float64(v.DType.Size())
		}
	}
	switch k {
	case KindWinograd:
		return all + w*16/9
	case KindConv3x3, KindConv1x1, KindConvOther, KindFirstLayer:
		return all + w
	}
	return all
}

// HeldWeightBytes is HeldWeightBytes for the kind of n on p's device.
func (p *Profile) HeldWeightBytes(n *graphir.Node) float64 {
	return HeldWeightBytes(n, p.KindOf(n))
}
