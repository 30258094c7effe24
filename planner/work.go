package planner

import (
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/partition"
)

// The work a tile does on each node of its stage, from the tile's traced
// regions: FLOPs and bytes scale with the share of each value the tile
// computes or reads (halos included).

// tileWork returns the work of every node of t's stage for tile t (zero
// for nodes the tile does not run).
func tileWork(t *partition.Tile) []costmodel.Work {
	st := t.Of()
	out := make([]costmodel.Work, len(st.Nodes))
	switch {
	case t.Spatial() != nil:
		tr := t.Spatial()
		for i, n := range st.Nodes {
			nr := tr.Nodes[i]
			if nr.Out.Empty() {
				continue
			}
			out[i] = spatialWork(n, nr)
		}
		// A reorg chain's trace sits on its last node; the chain moves
		// data once (SpaceToDepth), which its first Reshape stands for.
	case t.ChannelTrace() != nil:
		tr := t.ChannelTrace()
		for i, n := range st.Nodes {
			out[i] = channelWork(n, tr.Nodes[i])
		}
	default:
		for i, n := range st.Nodes {
			out[i] = nodeWork(n)
		}
	}
	return out
}

func bytesOf(v *graphir.Value) float64 {
	return float64(v.Shape.Size()) * float64(v.DType.Size())
}

func frac(part, whole int) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

// nodeWork is the work of the whole node.
func nodeWork(n *graphir.Node) costmodel.Work {
	w := costmodel.Work{FLOPs: float64(n.Cost.FLOPs)}
	for _, in := range n.Inputs {
		switch {
		case in == nil:
		case in.IsConst():
			w.WeightBytes += bytesOf(in)
		default:
			w.InBytes += bytesOf(in)
		}
	}
	for _, o := range n.Outputs {
		if o != nil {
			w.OutBytes += bytesOf(o)
		}
	}
	return w
}

// spatialWork is the work of computing rectangle nr.Out of n's outputs.
func spatialWork(n *graphir.Node, nr graphir.NodeRegion) costmodel.Work {
	var full graphir.Rect
	if o := n.Outputs[0]; o != nil {
		full = graphir.FullRect(o.Shape)
	}
	share := frac(nr.Out.Intersect(full).Area(), full.Area())
	w := costmodel.Work{FLOPs: float64(n.Cost.FLOPs) * share}
	for j, in := range n.Inputs {
		switch {
		case in == nil:
		case in.IsConst():
			w.WeightBytes += bytesOf(in)
		case j >= len(nr.Inputs) || nr.Inputs[j].Whole:
			w.InBytes += bytesOf(in)
		default:
			fr := graphir.FullRect(in.Shape)
			w.InBytes += bytesOf(in) * frac(nr.Inputs[j].Rect.Intersect(fr).Area(), fr.Area())
		}
	}
	for _, o := range n.Outputs {
		if o != nil {
			w.OutBytes += bytesOf(o) * share
		}
	}
	return w
}

// channelWork is the work of computing output channels cr.Out of n, with
// its weights sliced.
func channelWork(n *graphir.Node, cr graphir.ChannelRegion) costmodel.Work {
	o := n.Outputs[0]
	share := 1.0
	if o != nil && len(o.Shape) >= 2 {
		share = frac(cr.Out.Len(), o.Shape[1])
	}
	w := costmodel.Work{FLOPs: float64(n.Cost.FLOPs) * share}
	for j, in := range n.Inputs {
		if in == nil {
			continue
		}
		b := bytesOf(in)
		if j < len(cr.Inputs) && !cr.Inputs[j].Whole && cr.Inputs[j].Axis < len(in.Shape) {
			b *= frac(cr.Inputs[j].Span.Len(), in.Shape[cr.Inputs[j].Axis])
		}
		if in.IsConst() {
			w.WeightBytes += b
		} else {
			w.InBytes += b
		}
	}
	for _, v := range n.Outputs {
		if v != nil {
			w.OutBytes += bytesOf(v) * share
		}
	}
	return w
}
