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

// ScratchBytes is the work memory node n's kernel of kind k takes from
// the runtime's scratch pool while it runs on threads threads, beside the
// executor's activation arena: Winograd's zero-padded input plane and
// each thread's transformed block of tile rows (runtime/kernels'
// winoConv.run and block; TestScratchBytes_MatchesWinograd in
// runtime/profile runs the kernel against it). Other kinds take little
// from the pool (0 here). VGG-16 on one thread: 15 MB for conv1_2 beside
// a 25.7 MB arena, where counting the arena alone missed it.
func ScratchBytes(n *graphir.Node, k Kind, threads int) float64 {
	if k != KindWinograd || n.Op != graphir.OpConv || len(n.Inputs) == 0 || len(n.Outputs) == 0 {
		return 0
	}
	in, out := n.In(0), n.Outputs[0]
	if in == nil || out == nil || len(in.Shape) != 4 || len(out.Shape) != 4 {
		return 0
	}
	return WinogradScratchBytes(int(in.Shape[1]), int(out.Shape[1]), int(out.Shape[2]), int(out.Shape[3]), threads)
}

// WinogradScratchBytes is ScratchBytes of a Winograd F(2x2, 3x3)
// convolution of cin to cout channels with an oh x ow output: the padded
// plane (cin x (2th+2) x (2tw+2) floats and a slack of 32, th x tw 2x2
// tiles) and, per thread, 16 x (cin+cout) transformed values for each
// tile of a block of about 256 tiles (whole tile rows, balanced).
func WinogradScratchBytes(cin, cout, oh, ow, threads int) float64 {
	if cin <= 0 || cout <= 0 || oh <= 0 || ow <= 0 {
		return 0
	}
	th, tw := (oh+1)/2, (ow+1)/2
	per := max(1, winoBandCols/tw)
	nbands := (th + per - 1) / per
	band := (th + nbands - 1) / nbands
	nb := min(band, th) * tw
	floats := cin*(2*th+2)*(2*tw+2) + winoInSlack + max(1, threads)*16*(cin+cout)*nb
	return float64(floats) * 4
}

// winoInSlack restates runtime/kernels' simd.WinoInSlack.
const winoInSlack = 32

// ScratchBytes is ScratchBytes for the kind of n on p's device and its
// threads.
func (p *Profile) ScratchBytes(n *graphir.Node) float64 {
	return ScratchBytes(n, p.KindOf(n), p.Threads)
}
