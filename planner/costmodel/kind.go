package costmodel

import "github.com/edgectl/edgectl/graphir"

// Kind is a class of nodes whose time follows one linear model: the nodes
// one kernel path of the executor runs.
type Kind string

// The kinds. A node of a graph after graphir.FuseConvEpilogues is one of
// them (Classify); a Conv carries its fused activation and residual sum.
const (
	KindConv3x3     Kind = "conv3x3"        // 3x3 ungrouped convolution through the GEMM (im2col)
	KindWinograd    Kind = "conv-winograd"  // 3x3 stride-1 convolution the executor runs with Winograd
	KindConv1x1     Kind = "conv1x1"        // pointwise convolution: 1x1, stride 1, no pads (the image is the GEMM's B)
	KindDepthwise   Kind = "conv-depthwise" // one input channel per group, a window larger than 1x1
	KindFirstLayer  Kind = "conv-first"     // few input channels: the direct convolution
	KindConvOther   Kind = "conv-other"     // other kernel sizes, strided 1x1, grouped: the GEMM with im2col
	KindGemm        Kind = "gemm"           // Gemm and MatMul (weight-bound at batch 1)
	KindPool        Kind = "maxpool"        // MaxPool 2x2 stride 2 (a fast path)
	KindPoolOther   Kind = "maxpool-other"  // other MaxPool windows: row by row
	KindAvgPool     Kind = "avgpool"        // AveragePool
	KindGlobalPool  Kind = "global-pool"    // GlobalAveragePool: a sum per plane
	KindGlobalMax   Kind = "global-maxpool" // GlobalMaxPool: a maximum per plane, 1.5-2x the sum's time (it checks every element for NaN)
	KindElementwise Kind = "elementwise"    // the fast kernels' element-wise ops not fused away, and BatchNormalization with constant parameters
	KindRef         Kind = "ref"            // arithmetic the reference kernels compute: element-wise ops the fast kernels decline, reductions, LRN
	KindRefMath     Kind = "ref-math"       // reference kernels with a transcendental per element: Sigmoid, Tanh, Exp, Softmax, ...
	KindConcat      Kind = "concat"
	KindCopy        Kind = "copy"   // contiguous copies: Reshape, Flatten, Squeeze, Identity, Split, ...
	KindSlice       Kind = "slice"  // Slice (rows copied; with steps other than 1, an index per element)
	KindPad         Kind = "pad"    // Pad (an index computation per element)
	KindMove        Kind = "move"   // strided data movement: Transpose, SpaceToDepth, Gather, Expand, ...
	KindResize      Kind = "resize" // Resize and Upsample
	KindFree        Kind = "free"   // no work at run time: constants and shape arithmetic
)

// Kinds lists every kind that has a fit, in the order tables print them
// (KindFree, which costs nothing, is not among them).
func Kinds() []Kind {
	return []Kind{KindConv3x3, KindWinograd, KindConv1x1, KindDepthwise, KindFirstLayer, KindConvOther,
		KindGemm, KindPool, KindPoolOther, KindAvgPool, KindGlobalPool, KindGlobalMax, KindElementwise, KindRef, KindRefMath,
		KindConcat, KindCopy, KindSlice, KindPad, KindMove, KindResize}
}

// fallback is the kind whose fit stands in for k when a profile has none
// for k: the nearest kernel path by cost structure.
var fallback = map[Kind]Kind{
	KindWinograd:    KindConv3x3,
	KindFirstLayer:  KindConvOther,
	KindConvOther:   KindConv3x3,
	KindConv1x1:     KindConv3x3,
	KindDepthwise:   KindConvOther,
	KindGlobalPool:  KindPool,
	KindGlobalMax:   KindGlobalPool,
	KindAvgPool:     KindPoolOther,
	KindPoolOther:   KindPool,
	KindPool:        KindElementwise,
	KindRefMath:     KindRef,
	KindRef:         KindElementwise,
	KindConcat:      KindCopy,
	KindCopy:        KindMove,
	KindSlice:       KindMove,
	KindPad:         KindSlice,
	KindResize:      KindMove,
	KindMove:        KindElementwise,
	KindElementwise: KindMove,
}

// refMath are the ops whose reference kernel evaluates a transcendental
// function (or a power) per element.
var refMath = map[graphir.Op]bool{
	graphir.OpSigmoid: true, graphir.OpTanh: true, graphir.OpExp: true, graphir.OpLog: true,
	graphir.OpErf: true, graphir.OpSoftplus: true, graphir.OpMish: true, graphir.OpElu: true,
	graphir.OpSelu: true, graphir.OpPow: true, graphir.OpSoftmax: true, graphir.OpLogSoftmax: true,
	graphir.OpLRN: true,
}

// moves are the ops that only move data, by the kind of their reference
// kernel: contiguous copies, an index computation per element (Slice,
// Pad), strided reads.
var moves = map[graphir.Op]Kind{
	graphir.OpReshape: KindCopy, graphir.OpFlatten: KindCopy, graphir.OpSqueeze: KindCopy,
	graphir.OpUnsqueeze: KindCopy, graphir.OpIdentity: KindCopy, graphir.OpDropout: KindCopy,
	graphir.OpSplit: KindCopy, graphir.OpSlice: KindSlice, graphir.OpPad: KindPad,
	graphir.OpTranspose: KindMove, graphir.OpExpand: KindMove, graphir.OpTile: KindMove,
	graphir.OpGather: KindMove, graphir.OpSpaceToDepth: KindMove, graphir.OpDepthToSpace: KindMove,
}

// Classify returns the kind of node n (of a graph after
// graphir.FuseConvEpilogues) on a device of architecture arch (GOARCH)
// whose kernels are of tier tier ("avx2", "avx512", "neon", "go"; "" is
// the assembly tier of arch): the kernel the executor picks for n.
func Classify(n *graphir.Node, arch, tier string) Kind {
	if n.Op == graphir.OpConv {
		c, ok := convOf(n)
		if !ok {
			return KindRef
		}
		return c.kind(targetOf(arch, tier))
	}
	return classifyOther(n)
}

// ClassifySpatial is the kind of the part of n that computes rectangle
// out of its output (a spatial tile runs a clone of n on its crops, whose
// pads are those at the image's true borders): a tile of a Winograd layer
// with a halo runs the GEMM.
func ClassifySpatial(n *graphir.Node, out graphir.Rect, arch, tier string) Kind {
	if n.Op == graphir.OpConv {
		c, ok := convOf(n)
		if !ok {
			return KindRef
		}
		return c.spatial(out).kind(targetOf(arch, tier))
	}
	return classifyOther(n)
}

// ClassifyChannels is the kind of the part of n that computes output
// channels [lo, hi) (widened to whole groups), with its weights sliced.
func ClassifyChannels(n *graphir.Node, lo, hi int, arch, tier string) Kind {
	if n.Op == graphir.OpConv {
		c, ok := convOf(n)
		if !ok {
			return KindRef
		}
		return c.channels(lo, hi).kind(targetOf(arch, tier))
	}
	return classifyOther(n)
}
