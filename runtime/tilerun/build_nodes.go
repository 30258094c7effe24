package tilerun

import (
	"fmt"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
)

// buildSpatial clones every needed node of a spatial tile onto its crops.
func buildSpatial(t *partition.Tile, b *builder) error {
	for i, n := range t.Of().Nodes {
		nr := t.Spatial().Nodes[i]
		if nr.Out.Empty() {
			continue // no output of n is needed by this tile
		}
		if head, ok := t.Spatial().Reorgs[i]; ok {
			if err := b.reorg(t.Of().Nodes[head:i+1], nr); err != nil {
				return fmt.Errorf("reorg %q: %w", n.Name, err)
			}
			continue
		}
		ins := make([]*graphir.Value, len(n.Inputs))
		var err error
		for j, in := range n.Inputs {
			ir := nr.Inputs[j]
			switch {
			case in == nil:
			case ir.Whole && in.IsConst():
				ins[j] = in
			case in.IsConst():
				ins[j], err = b.constant(in, partition.RectBox(in.Shape, ir.Rect))
			case ir.Whole:
				ins[j], err = b.use(in, partition.FullBox(in.Shape))
			default:
				ins[j], err = b.use(in, partition.RectBox(in.Shape, ir.Rect))
			}
			if err != nil {
				return fmt.Errorf("node %q input %d: %w", n.Name, j, err)
			}
		}
		boxes := make([]partition.Box, len(n.Outputs))
		for k, o := range n.Outputs {
			if o != nil {
				boxes[k] = partition.RectBox(o.Shape, nr.Out.Intersect(graphir.FullRect(o.Shape)))
			}
		}
		c := b.node(n, ins, boxes)
		b.adjustSpatial(n, c, nr)
	}
	return nil
}

// adjustSpatial rewrites the attributes of clone c of n so that it computes
// region nr.Out from its crops, which hold region nr.Inputs[0].Rect of
// input 0.
func (b *builder) adjustSpatial(n, c *graphir.Node, nr graphir.NodeRegion) {
	switch n.Op {
	case graphir.OpConv, graphir.OpMaxPool, graphir.OpAveragePool:
		p := n.Attrs["pads"].Ints
		need := nr.Inputs[0].Pad
		top, left, bottom, right := int64(need.Top), int64(need.Left), int64(need.Bottom), int64(need.Right)
		c.Attrs = n.Attrs.Clone()
		if n.Op != graphir.OpConv {
			ceil := int64(0)
			if n.Op == graphir.OpAveragePool && n.Attrs["count_include_pad"].Int != 0 && (bottom > p[2] || right > p[3]) {
				// ceil_mode windows past the padded input: keep the
				// op's pads so that they count, and let the last window
				// run past them as on the whole image.
				bottom, right, ceil = min(bottom, p[2]), min(right, p[3]), 1
			}
			c.Attrs.SetInt("ceil_mode", ceil)
		}
		c.Attrs.SetInts("pads", []int64{top, left, bottom, right})
		fmt.Fprintf(&b.sig, " pads %v ceil %d;", c.Attrs["pads"].Ints, c.Attrs["ceil_mode"].Int)
	case graphir.OpSlice:
		rank := len(n.In(0).Shape)
		in := nr.Inputs[0].Rect
		c.Attrs = n.Attrs.Clone()
		starts, ends, steps := c.Attrs["starts"].Ints, c.Attrs["ends"].Ints, c.Attrs["steps"].Ints
		for _, a := range []struct {
			axis   int
			out, s graphir.Span
		}{{rank - 2, nr.Out.Rows, in.Rows}, {rank - 1, nr.Out.Cols, in.Cols}} {
			starts[a.axis] = starts[a.axis] + int64(a.out.Lo)*steps[a.axis] - int64(a.s.Lo)
			ends[a.axis] = starts[a.axis] + int64(a.out.Len()-1)*steps[a.axis] + 1
		}
		c.Inputs = c.Inputs[:1]
		fmt.Fprintf(&b.sig, " starts %v;", starts)
	case graphir.OpPad:
		rank := len(n.In(0).Shape)
		in := nr.Inputs[0].Rect
		c.Attrs = n.Attrs.Clone()
		pads := c.Attrs["pads"].Ints
		for _, a := range []struct {
			axis   int
			out, s graphir.Span
		}{{rank - 2, nr.Out.Rows, in.Rows}, {rank - 1, nr.Out.Cols, in.Cols}} {
			begin := pads[a.axis] - int64(a.out.Lo) + int64(a.s.Lo)
			pads[a.axis] = begin
			pads[rank+a.axis] = int64(a.out.Len()) - int64(a.s.Len()) - begin
		}
		c.Inputs = c.Inputs[:1]
		fmt.Fprintf(&b.sig, " pads %v;", pads)
	case graphir.OpResize, graphir.OpUpsample:
		inBox := partition.RectBox(n.In(0).Shape, nr.Inputs[0].Rect)
		outBox := partition.RectBox(n.Outputs[0].Shape, nr.Out)
		b.custom[c] = resizeTileKernel(n, inBox, outBox)
		c.Inputs = c.Inputs[:1]
		fmt.Fprintf(&b.sig, " resize %v %v;", inBox, outBox)
	}
	fmt.Fprint(&b.sig, ";")
}

// reorg clones a reorg chain (graphir.ReorgAt) onto a crop of its input,
// with reshape targets for the crop's size.
func (b *builder) reorg(chain []*graphir.Node, nr graphir.NodeRegion) error {
	x := chain[0].In(0)
	xv, err := b.use(x, partition.RectBox(x.Shape, nr.Inputs[0].Rect))
	if err != nil {
		return err
	}
	blk, _ := graphir.ReorgAt(chain, 0)
	s := xv.Shape
	mid := graphir.Shape{s[0], s[1], s[2] / blk, blk, s[3] / blk, blk}
	perm := chain[1].Attrs["perm"].Ints
	moved := make(graphir.Shape, len(perm))
	for i, p := range perm {
		moved[i] = mid[p]
	}
	y := chain[2].Outputs[0]
	outBox := partition.RectBox(y.Shape, nr.Out)
	shapes := []graphir.Shape{mid, moved, outBox.Shape()}
	in := xv
	for k, n := range chain {
		c := &graphir.Node{Name: n.Name, Op: n.Op, Opset: n.Opset, Attrs: n.Attrs, Inputs: []*graphir.Value{in}}
		if n.Op == graphir.OpReshape {
			target := make([]int64, len(shapes[k]))
			for i, d := range shapes[k] {
				target[i] = int64(d)
			}
			st := graphir.Shape{len(target)}
			c.Inputs = append(c.Inputs, &graphir.Value{Name: fmt.Sprintf("%s#shape%v", n.Name, shapes[k]), DType: graphir.Int64, Shape: st, Const: graphir.FromInts(st, target)})
		}
		out := &graphir.Value{Name: n.Outputs[0].Name, DType: n.Outputs[0].DType, Shape: shapes[k], Producer: c}
		c.Outputs = []*graphir.Value{out}
		b.g.Nodes = append(b.g.Nodes, c)
		in = out
	}
	b.held[y] = held{in, outBox}
	fmt.Fprintf(&b.sig, "reorg %v -> %v;", s, outBox.Shape())
	return nil
}

// buildChannel clones every needed node of a channel tile onto its
// channel ranges, slicing weights and per-channel parameters.
func buildChannel(t *partition.Tile, b *builder) error {
	for i, n := range t.Of().Nodes {
		cr := t.ChannelTrace().Nodes[i]
		if _, ok := t.ChannelTrace().Spans[n.Outputs[0]]; !ok {
			continue
		}
		ins := make([]*graphir.Value, len(n.Inputs))
		var err error
		for j, in := range n.Inputs {
			need := cr.Inputs[j]
			switch {
			case in == nil:
			case in.IsConst():
				ins[j], err = b.constant(in, partition.ChannelBox(in, need))
			default:
				ins[j], err = b.use(in, partition.ChannelBox(in, need))
			}
			if err != nil {
				return fmt.Errorf("node %q input %d: %w", n.Name, j, err)
			}
		}
		o := n.Outputs[0]
		c := b.node(n, ins, []partition.Box{partition.AxisBox(o.Shape, 1, cr.Out)})
		if n.Op == graphir.OpConv {
			if group := n.Attrs["group"].Int; group > 1 {
				coutG := int64(o.Shape[1]) / group
				c.Attrs = n.Attrs.Clone()
				c.Attrs.SetInt("group", int64(cr.Out.Len())/coutG)
				fmt.Fprintf(&b.sig, " group %d", c.Attrs["group"].Int)
			}
		}
		fmt.Fprint(&b.sig, ";")
	}
	return nil
}
