package plugins

import (
	"fmt"
	"math"

	"github.com/edgectl/edgectl/graphir"
)

// spec is one node as the plugin sees it: the op kind, the descriptor
// handed to prepare, the weights in the ABI's layout, and the geometry the
// host needs to cut tiles.
type spec struct {
	id      uint64
	kind    opKind
	desc    opDesc
	weights []float32 // conv [cout][cin][kh][kw], dwconv [c][1][kh][kw], gemm [K][N]
	bias    []float32 // nil when absent

	// Window ops (NCHW, N = batch).
	batch, inC, inH, inW, outC, outH, outW int
	sh, sw, extH, extW, padT, padL         int
	padValue                               float32
	perOut                                 int64 // FLOPs per output element

	// gemm: Y[M,N] = A[M,K] B[K,N] + bias.
	m, k, n int

	tiles []tile
}

// tile is one call's work: batch item b, output channels (gemm: columns)
// [c0, c1) and output rows [r0, r1).
type tile struct{ b, c0, c1, r0, r1 int }

// newSpec maps a checked node onto the ABI, or says why the plugin cannot
// serve it (not covered by the manifest or by ABI 1).
func newSpec(n *graphir.Node, m *Manifest, epilogue int32) (*spec, string) {
	for i, in := range n.Inputs {
		if in != nil && in.DType != graphir.Float32 {
			return nil, fmt.Sprintf("input %d is %s", i, in.DType)
		}
	}
	switch n.Op {
	case graphir.OpConv:
		return convSpec(n, m, epilogue)
	case graphir.OpGemm, graphir.OpMatMul:
		return gemmSpec(n, m, epilogue)
	case graphir.OpMaxPool, graphir.OpAveragePool:
		return poolSpec(n, m)
	}
	return nil, fmt.Sprintf("op %s has no plugin entry point", n.Op)
}

func ints(n *graphir.Node, name string) []int {
	v := n.Attrs[name].Ints
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

// window reads the normalised geometry of a 2-D window op.
func (s *spec) window(n *graphir.Node) (kh, kw, dh, dw int, why string) {
	x, y := n.In(0), n.Outputs[0]
	if len(x.Shape) != 4 {
		return 0, 0, 0, 0, fmt.Sprintf("input rank %d is not NCHW", len(x.Shape))
	}
	k, st, d, p := ints(n, "kernel_shape"), ints(n, "strides"), ints(n, "dilations"), ints(n, "pads")
	if len(k) != 2 || len(st) != 2 || len(d) != 2 || len(p) != 4 {
		return 0, 0, 0, 0, "window attributes are not normalised"
	}
	s.batch, s.inC, s.inH, s.inW = x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	s.outC, s.outH, s.outW = y.Shape[1], y.Shape[2], y.Shape[3]
	s.sh, s.sw, s.padT, s.padL = st[0], st[1], p[0], p[1]
	s.extH, s.extW = (k[0]-1)*d[0]+1, (k[1]-1)*d[1]+1
	return k[0], k[1], d[0], d[1], ""
}

func convSpec(n *graphir.Node, m *Manifest, epilogue int32) (*spec, string) {
	s := &spec{}
	kh, kw, dh, dw, why := s.window(n)
	if why != "" {
		return nil, why
	}
	if _, ok := n.Attrs[graphir.AttrSum]; ok || len(n.Inputs) > 3 {
		return nil, "a fused residual sum is not in ABI 1"
	}
	w := n.In(1)
	if w.Const == nil {
		return nil, "weights are not constant"
	}
	if b := n.In(2); b != nil {
		if b.Const == nil {
			return nil, "bias is not constant"
		}
		s.bias = b.Const.F
	}
	group := int(n.Attrs["group"].Int)
	switch {
	case group == 1:
		s.kind = opConv2D
	case group == s.inC && s.outC == s.inC && w.Shape[1] == 1:
		s.kind = opDWConv2D
	default:
		return nil, fmt.Sprintf("grouped convolution (group %d) is not in ABI 1", group)
	}
	// An activation fused into the Conv (graphir.FuseActivations) becomes
	// the epilogue.
	if a, ok := n.Attrs[graphir.AttrActivation]; ok {
		if a.Kind != graphir.AttrString || a.Str != graphir.OpRelu.String() || epilogue != epilogueNone {
			return nil, fmt.Sprintf("fused activation %q is not in ABI 1", a.Str)
		}
		epilogue = epilogueReLU
	}
	caps := m.kernels(s.kind)
	if caps == nil {
		return nil, fmt.Sprintf("the manifest has no %s", s.kind)
	}
	if why := caps.window(kh, kw, s.sh, s.sw, dh, dw, max(s.inC, s.outC)); why != "" {
		return nil, why
	}
	if !caps.epilogue(epilogue) {
		return nil, "the manifest has no relu epilogue"
	}
	s.weights = w.Const.F
	s.padValue = 0
	s.perOut = 2 * int64(kh*kw)
	if s.kind == opConv2D {
		s.perOut *= int64(s.inC)
	}
	s.desc = opDesc{Op: s.kind, CIn: int32(s.inC), COut: int32(s.outC), KH: int32(kh), KW: int32(kw),
		SH: int32(s.sh), SW: int32(s.sw), DH: int32(dh), DW: int32(dw), Epilogue: epilogue}
	return s, ""
}

func poolSpec(n *graphir.Node, m *Manifest) (*spec, string) {
	s := &spec{kind: opMaxPool2D, padValue: float32(math.Inf(-1))}
	if n.Op == graphir.OpAveragePool {
		s.kind = opAvgPool2D
	}
	kh, kw, dh, dw, why := s.window(n)
	if why != "" {
		return nil, why
	}
	if len(n.Outputs) > 1 && n.Outputs[1] != nil {
		return nil, "MaxPool's indices output is not in ABI 1"
	}
	if dh != 1 || dw != 1 {
		return nil, "dilated pooling is not in ABI 1"
	}
	if s.kind == opAvgPool2D {
		// Only windows wholly inside the input: then the divisor is kh*kw
		// whatever count_include_pad says.
		p := ints(n, "pads")
		if p[0]+p[1]+p[2]+p[3] != 0 || (s.outH-1)*s.sh+kh > s.inH || (s.outW-1)*s.sw+kw > s.inW {
			return nil, "padded average pooling is not in ABI 1"
		}
	}
	caps := m.kernels(s.kind)
	if caps == nil {
		return nil, fmt.Sprintf("the manifest has no %s", s.kind)
	}
	if why := caps.window(kh, kw, s.sh, s.sw, dh, dw, s.inC); why != "" {
		return nil, why
	}
	s.perOut = int64(kh * kw)
	s.desc = opDesc{Op: s.kind, CIn: int32(s.inC), COut: int32(s.outC), KH: int32(kh), KW: int32(kw),
		SH: int32(s.sh), SW: int32(s.sw), DH: 1, DW: 1}
	return s, ""
}

func gemmSpec(n *graphir.Node, m *Manifest, epilogue int32) (*spec, string) {
	s := &spec{kind: opGemm}
	a, b := n.In(0), n.In(1)
	if b.Const == nil {
		return nil, "B is not constant"
	}
	alpha, beta := float32(1), float32(1)
	transB := false
	if n.Op == graphir.OpGemm {
		if n.Attrs["transA"].Int != 0 {
			return nil, "transA is not in ABI 1"
		}
		transB = n.Attrs["transB"].Int != 0
		alpha, beta = n.Attrs["alpha"].Float, n.Attrs["beta"].Float
		s.m, s.k = a.Shape[0], a.Shape[1]
	} else {
		if len(a.Shape) < 2 || len(b.Shape) != 2 {
			return nil, "MatMul needs A of rank >= 2 and a constant matrix B"
		}
		s.k = a.Shape[len(a.Shape)-1]
		s.m = a.Shape.Size() / max(s.k, 1)
	}
	s.n = n.Outputs[0].Shape[len(n.Outputs[0].Shape)-1]
	caps := m.kernels(opGemm)
	switch {
	case caps == nil:
		return nil, "the manifest has no gemm"
	case caps.MaxK > 0 && s.k > caps.MaxK, caps.MaxN > 0 && s.n > caps.MaxN:
		return nil, fmt.Sprintf("K %d, N %d exceed the manifest's limits", s.k, s.n)
	case !caps.epilogue(epilogue):
		return nil, "the manifest has no relu epilogue"
	case s.m == 0 || s.k == 0 || s.n == 0:
		return nil, "empty matrix"
	}
	// B as [K][N], alpha folded in.
	s.weights = b.Const.F
	if transB || alpha != 1 {
		w := make([]float32, s.k*s.n)
		for kk := 0; kk < s.k; kk++ {
			for j := 0; j < s.n; j++ {
				v := b.Const.F[kk*s.n+j]
				if transB {
					v = b.Const.F[j*s.k+kk]
				}
				w[kk*s.n+j] = alpha * v
			}
		}
		s.weights = w
	}
	if c := n.In(2); c != nil && n.Op == graphir.OpGemm && beta != 0 {
		if c.Const == nil {
			return nil, "C is not constant"
		}
		sh := c.Shape
		rowInvariant := len(sh) <= 1 || (len(sh) == 2 && sh[0] == 1)
		if !rowInvariant {
			return nil, fmt.Sprintf("C of shape %v is not a bias over columns", sh)
		}
		s.bias = make([]float32, s.n)
		for j := range s.bias {
			v := c.Const.F[0]
			if c.Const.Len() > 1 {
				v = c.Const.F[j]
			}
			s.bias[j] = beta * v
		}
	}
	s.perOut = 2 * int64(s.k)
	s.desc = opDesc{Op: opGemm, CIn: int32(s.k), COut: int32(s.n), KH: 1, KW: 1, SH: 1, SW: 1, DH: 1, DW: 1, Epilogue: epilogue}
	return s, ""
}

// weightBytes is what the spec's weights take in each instance.
func (s *spec) weightBytes() int64 { return 4 * int64(len(s.weights)+len(s.bias)) }

// plan cuts the output into tiles of at most budget FLOPs (one output row
// or column block at least), with at least 2*threads tiles when the output
// allows, so that threads instances share the work. Channel (column)
// blocks are multiples of 16 so SIMD kernels stay on their fast path.
func (s *spec) plan(threads int, budget int64) {
	rowsTotal, chans, perRow := s.outH, s.outC, int64(s.outW)*s.perOut
	batch := s.batch
	if s.kind == opGemm {
		rowsTotal, chans, perRow, batch = s.m, s.n, s.perOut, 1
	}
	want := 2 * threads
	if threads <= 1 {
		want = 1
	}
	cstep, rows := chans, rowsTotal
	if int64(rows)*int64(cstep)*perRow > budget {
		rows = int(max(1, budget/(int64(cstep)*perRow)))
	}
	if rows == 1 && int64(cstep)*perRow > budget {
		cstep = min(chans, max(16, int(budget/perRow)/16*16))
	}
	// Deep convolutions fill the budget with one or two rows of all
	// channels: the plugin would then stream all the node's weights for a
	// few dozen positions per call. Trade channels for rows until a tile
	// has minTilePositions output positions.
	if s.kind == opConv2D && rows < rowsTotal && rows*s.outW < minTilePositions && cstep > 16 {
		minRows := min(rowsTotal, ceilDiv(minTilePositions, s.outW))
		cstep = min(chans, max(16, int(budget/(int64(minRows)*perRow))/16*16))
		rows = min(rowsTotal, int(max(1, budget/(int64(cstep)*perRow))))
	}
	count := func() int { return batch * ceilDiv(chans, cstep) * ceilDiv(rowsTotal, rows) }
	if count() < want && rows > 1 {
		per := ceilDiv(want, batch*ceilDiv(chans, cstep))
		rows = max(1, ceilDiv(rowsTotal, per))
	}
	if count() < want && cstep > 16 {
		per := ceilDiv(want, batch*ceilDiv(rowsTotal, rows))
		cstep = min(cstep, max(16, ceilDiv(ceilDiv(chans, per), 16)*16))
	}
	s.tiles = s.tiles[:0]
	maxRows := 0
	for b := 0; b < batch; b++ {
		for c0 := 0; c0 < chans; c0 += cstep {
			for r0 := 0; r0 < rowsTotal; r0 += rows {
				t := tile{b, c0, min(c0+cstep, chans), r0, min(r0+rows, rowsTotal)}
				s.tiles = append(s.tiles, t)
				maxRows = max(maxRows, t.r1-t.r0)
			}
		}
	}
	if s.kind == opGemm {
		s.desc.MaxInH, s.desc.MaxInW = int32(maxRows), int32(s.k)
	} else {
		s.desc.MaxInH, s.desc.MaxInW = int32((maxRows-1)*s.sh+s.extH), int32((s.outW-1)*s.sw+s.extW)
	}
}

// minTilePositions is how many output positions (rows times width) a conv
// tile should have at least, budget allowing: four of the SIMD example's
// 48-position blocks, so each weight a call reads serves that many.
const minTilePositions = 192

func ceilDiv(a, b int) int { return (a + b - 1) / b }
