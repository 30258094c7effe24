package costmodel

import "github.com/edgectl/edgectl/graphir"

// Work is what a node, or a tile's part of it, does: the features of the
// linear model. A GEMM of C[MxN] = A[MxK] B[KxN] costs per MNK (FLOPs), MN
// (OutBytes: the C tiles and the epilogue), KN (PackBytes: packing B) and
// MK (WeightBytes: streaming A), plus a constant; the other kernels use
// the subset that applies to them.
type Work struct {
	FLOPs       float64 `json:"flops"`       // a multiply and an add count two (graphir's Cost.FLOPs)
	InBytes     float64 `json:"inBytes"`     // bytes of non-constant inputs read
	OutBytes    float64 `json:"outBytes"`    // bytes of outputs written
	WeightBytes float64 `json:"weightBytes"` // bytes of constant inputs (weights, biases)
	// PackBytes is, for a convolution, the size of its im2col matrix
	// (K x N per group, 4 bytes an element), which the GEMM packs from
	// the image panel by panel; 0 for a pointwise convolution (the image
	// is the matrix) and for other ops. A channel slice of a convolution
	// packs all of it.
	PackBytes float64 `json:"packBytes,omitempty"`
	// PackRows is the number of row segments of the im2col matrix (K
	// times the output rows, per group): packing pays per segment, and
	// panels of 16 positions that span output rows (planes narrower than
	// 16) are gathered element by element.
	PackRows float64 `json:"packRows,omitempty"`
	// TileFLOPs are the FLOPs a convolution's GEMM computes in whole
	// register tiles: each group's output channels rounded up to 6 rows
	// and its output positions to 16 columns (the amd64 tile; arm64's is
	// 8x8), so a 2x2 tile of 4 positions costs as much as 16.
	TileFLOPs float64 `json:"tileFLOPs,omitempty"`
	// Rows is the number of rows of the first output, over its planes
	// (all its axes but the last): kernels that walk rows pay per row.
	Rows float64 `json:"rows,omitempty"`
	// Winograd's terms, for a convolution whose shape Winograd F(2x2, 3x3)
	// takes (3x3, stride and dilation 1, one group, pads of 0 or 1, no
	// fused sum; whether it runs so depends on the tier): WinoFLOPs are
	// the FLOPs of its 16 GEMMs (output channels x input channels x 2x2
	// tiles) in whole 24x16 register tiles, each block of up to 256 tile
	// columns a GEMM of its own; WinoTiles is the input and output
	// channels times the tiles (the transforms), WinoRows the channels
	// times the rows of tiles (a transform call each).
	WinoFLOPs float64 `json:"winoFLOPs,omitempty"`
	WinoTiles float64 `json:"winoTiles,omitempty"`
	WinoRows  float64 `json:"winoRows,omitempty"`
	// Calls counts the vector-routine calls of kernels that make several
	// per output row or per plane, each with a cost of its own whatever
	// its length (callsOf): a pool other than the 2x2 fast path (a pass
	// per window row and column), BatchNormalization (two per plane), an
	// Add, Sub, Mul or Div whose operand is broadcast (one per block). 0
	// for the other kernels, whose calls Rows counts.
	Calls float64 `json:"calls,omitempty"`
	// InPlaceBytes are the output bytes a kernel passes over a second
	// time, in place: a unary activation copies its input to its output
	// and then applies itself there; BatchNormalization multiplies, then
	// adds.
	InPlaceBytes float64 `json:"inPlaceBytes,omitempty"`
}

// Add returns the sum of w and o (the work of two parts together).
func (w Work) Add(o Work) Work {
	return Work{w.FLOPs + o.FLOPs, w.InBytes + o.InBytes, w.OutBytes + o.OutBytes, w.WeightBytes + o.WeightBytes,
		w.PackBytes + o.PackBytes, w.PackRows + o.PackRows, w.TileFLOPs + o.TileFLOPs, w.Rows + o.Rows,
		w.WinoFLOPs + o.WinoFLOPs, w.WinoTiles + o.WinoTiles, w.WinoRows + o.WinoRows, w.Calls + o.Calls, w.InPlaceBytes + o.InPlaceBytes}
}

// scale returns w with the work that grows with the output scaled by f.
func (w Work) scale(f float64) Work {
	return Work{w.FLOPs * f, w.InBytes * f, w.OutBytes * f, w.WeightBytes * f, w.PackBytes * f, w.PackRows * f, w.TileFLOPs * f, w.Rows * f,
		w.WinoFLOPs * f, w.WinoTiles * f, w.WinoRows * f, w.Calls * f, w.InPlaceBytes * f}
}

// rowsOf is the number of rows of v: all its elements over the last axis.
func rowsOf(v *graphir.Value) float64 {
	if v == nil || len(v.Shape) == 0 || v.Shape[len(v.Shape)-1] == 0 {
		return 0
	}
	return float64(v.Shape.Size() / v.Shape[len(v.Shape)-1])
}

func bytesOf(v *graphir.Value) float64 {
	if v == nil {
		return 0
	}
	return float64(v.Shape.Size()) * float64(max(v.DType.Size(), 0))
}

// NodeWork is the work of the whole node.
func NodeWork(n *graphir.Node) Work {
	w := Work{FLOPs: float64(n.Cost.FLOPs)}
	for _, in := range n.Inputs {
		if in == nil {
			continue
		}
		if in.Const != nil {
			w.WeightBytes += bytesOf(in)
		} else {
			w.InBytes += bytesOf(in)
		}
	}
	for _, o := range n.Outputs {
		w.OutBytes += bytesOf(o)
	}
	if len(n.Outputs) > 0 {
		w.Rows = rowsOf(n.Outputs[0])
	}
	if n.Op == graphir.OpConv {
		if c, ok := convOf(n); ok {
			c.addTo(&w, batchOf(n))
		}
	}
	w.Calls, w.InPlaceBytes = callsOf(n), inPlaceOf(n, w.OutBytes)
	return w
}

// callsOf is Work.Calls of node n: per output row, a max pool off the
// 2x2 fast path makes a pass per window row, one per window column and
// two more (runtime/kernels' maxRowsFirst), an average pool one per
// window position and one to divide (generic); BatchNormalization makes
// two per plane; a broadcasting binary op one per element of its smaller
// operand (each a block of the output).
func callsOf(n *graphir.Node) float64 {
	switch n.Op {
	case graphir.OpMaxPool, graphir.OpAveragePool:
		if !poolTaken(n) || (n.Op == graphir.OpMaxPool && fast2x2(n)) {
			return 0
		}
		y := n.Outputs[0].Shape
		k := n.Attrs["kernel_shape"].Ints
		rows := float64(y[0] * y[1] * y[2])
		if n.Op == graphir.OpMaxPool {
			return rows * float64(k[0]+k[1]+2)
		}
		return rows * float64(k[0]*k[1]+1)
	case graphir.OpBatchNormalization:
		if bnTaken(n) {
			x := n.In(0).Shape
			return 2 * float64(x[0]*x[1])
		}
	case graphir.OpAdd, graphir.OpSub, graphir.OpMul, graphir.OpDiv:
		if binaryTaken(n) {
			y := n.Outputs[0].Shape
			for _, in := range n.Inputs {
				if !in.Shape.Equal(y) {
					return float64(in.Shape.Size())
				}
			}
		}
	}
	return 0
}

// inPlaceOf is Work.InPlaceBytes of node n, whose outputs are out bytes.
func inPlaceOf(n *graphir.Node, out float64) float64 {
	switch n.Op {
	case graphir.OpRelu, graphir.OpLeakyRelu, graphir.OpClip, graphir.OpHardSwish:
		if classifyOther(n) == KindElementwise {
			return out
		}
	case graphir.OpBatchNormalization:
		if bnTaken(n) {
			return out
		}
	}
	return 0
}

func batchOf(n *graphir.Node) int {
	if x := n.In(0); x != nil && len(x.Shape) > 0 {
		return x.Shape[0]
	}
	return 1
}

// SpatialWork is the work of the part of node n that computes rectangle
// out of its outputs (every output of a spatially local node has the same
// H and W) from rectangles ins of its inputs (ins[i] for n.Inputs[i], as
// graphir.TraceRegion gives them; an input past the end of ins, or a
// constant one, counts whole): FLOPs and output bytes in proportion to
// the area, input bytes of the rectangles read (halos included), all of
// the weights, and the im2col matrix of the tile's clone.
func SpatialWork(n *graphir.Node, out graphir.Rect, ins []graphir.Rect) Work {
	whole := NodeWork(n)
	var w Work
	frac := 1.0
	if len(n.Outputs) > 0 && n.Outputs[0] != nil {
		full := graphir.FullRect(n.Outputs[0].Shape)
		out = out.Intersect(full)
		if a := full.Area(); a > 0 {
			frac = float64(out.Area()) / float64(a)
		}
	}
	w.FLOPs, w.OutBytes, w.WeightBytes = whole.FLOPs*frac, whole.OutBytes*frac, whole.WeightBytes
	for i, in := range n.Inputs {
		if in == nil || in.Const != nil {
			continue
		}
		b := bytesOf(in)
		if i < len(ins) {
			full := graphir.FullRect(in.Shape)
			if a := full.Area(); a > 0 {
				b *= float64(ins[i].Intersect(full).Area()) / float64(a)
			}
		}
		w.InBytes += b
	}
	rowFrac := float64(out.Rows.Len()) / float64(max(1, graphir.FullRect(n.Outputs[0].Shape).Rows.Len()))
	w.Rows = whole.Rows * rowFrac
	// A pool's calls are per output row; BatchNormalization's and a
	// broadcast's per plane or block, which every tile has.
	w.Calls, w.InPlaceBytes = whole.Calls, whole.InPlaceBytes*frac
	if n.Op == graphir.OpMaxPool || n.Op == graphir.OpAveragePool {
		w.Calls = whole.Calls * rowFrac
	}
	if n.Op == graphir.OpConv {
		if c, ok := convOf(n); ok {
			c.spatial(out).addTo(&w, batchOf(n))
		}
	}
	return w
}

// ChannelWork is the work of the part of node n that computes output
// channels [lo, hi) (axis 1 of its first output; a Gemm's output
// features): the output channels computed (whole groups of a grouped
// Conv), the inputs' slices read (all of an ungrouped Conv's image), its
// weights and biases sliced. Other ops are traced by
// graphir.TraceChannels; a node that cannot be split by channel counts in
// proportion to hi-lo.
func ChannelWork(n *graphir.Node, lo, hi int) Work {
	whole := NodeWork(n)
	if len(n.Outputs) == 0 || n.Outputs[0] == nil || len(n.Outputs[0].Shape) < 2 || n.Outputs[0].Shape[1] == 0 {
		return whole
	}
	c := n.Outputs[0].Shape[1]
	if n.Op == graphir.OpConv {
		if cs, ok := convOf(n); ok {
			return cs.channelWork(n, whole, lo, hi)
		}
	}
	r, err := graphir.TraceChannels(n, graphir.Span{Lo: lo, Hi: hi})
	if err != nil {
		return whole.scale(float64(graphir.Span{Lo: lo, Hi: hi}.Intersect(graphir.Span{Lo: 0, Hi: c}).Len()) / float64(c))
	}
	frac := float64(r.Out.Len()) / float64(c)
	w := Work{FLOPs: whole.FLOPs * frac, OutBytes: whole.OutBytes * frac, Rows: whole.Rows * frac,
		Calls: whole.Calls * frac, InPlaceBytes: whole.InPlaceBytes * frac}
	for i, in := range n.Inputs {
		if in == nil {
			continue
		}
		b := bytesOf(in)
		if i < len(r.Inputs) && !r.Inputs[i].Whole {
			need := r.Inputs[i]
			if need.Axis < len(in.Shape) && in.Shape[need.Axis] > 0 {
				b *= float64(need.Span.Len()) / float64(in.Shape[need.Axis])
			}
		}
		if in.Const != nil {
			w.WeightBytes += b
		} else {
			w.InBytes += b
		}
	}
	return w
}

// channelWork is ChannelWork of a convolution: the clone of c computing
// channels [lo, hi) (widened to whole groups) reads its groups' input
// channels (all of them ungrouped) and, with a fused sum, its slice of
// the summand; weights and biases are sliced.
func (c convShape) channelWork(n *graphir.Node, whole Work, lo, hi int) Work {
	t := c.channels(lo, hi)
	frac := float64(t.cout) / float64(max(c.cout, 1))
	w := Work{FLOPs: whole.FLOPs * frac, OutBytes: whole.OutBytes * frac, Rows: whole.Rows * frac, WeightBytes: whole.WeightBytes * frac}
	w.InBytes = bytesOf(n.In(0)) * float64(t.cin) / float64(max(c.cin, 1))
	if c.sum {
		w.InBytes += bytesOf(n.In(3)) * frac
	}
	t.addTo(&w, batchOf(n))
	return w
}
