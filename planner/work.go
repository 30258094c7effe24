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
// for nodes the tile does not run): costmodel's SpatialWork, ChannelWork
// or NodeWork.
func tileWork(t *partition.Tile) []costmodel.Work {
	st := t.Of()
	out := make([]costmodel.Work, len(st.Nodes))
	for i, n := range st.Nodes {
		switch {
		case t.Spatial() != nil:
			if nr := t.Spatial().Nodes[i]; !nr.Out.Empty() {
				out[i] = costmodel.SpatialWork(n, nr.Out, inputRects(n, nr))
			}
		case t.ChannelTrace() != nil:
			cr := t.ChannelTrace().Nodes[i]
			out[i] = costmodel.ChannelWork(n, cr.Out.Lo, cr.Out.Hi)
		default:
			out[i] = costmodel.NodeWork(n)
		}
	}
	return out
}

// tileSeconds predicts node j of tile t's stage for the tile on timer:
// its part for a spatial or channel tile, the whole node otherwise.
func tileSeconds(timer Timer, t *partition.Tile, j int) float64 {
	n := t.Of().Nodes[j]
	switch {
	case t.Spatial() != nil:
		nr := t.Spatial().Nodes[j]
		if nr.Out.Empty() {
			return 0
		}
		return timer.SpatialSeconds(n, nr.Out, inputRects(n, nr))
	case t.ChannelTrace() != nil:
		cr := t.ChannelTrace().Nodes[j]
		return timer.ChannelSeconds(n, cr.Out.Lo, cr.Out.Hi)
	}
	return timer.Seconds(n, costmodel.NodeWork(n))
}

// inputRects are the rectangles of n's inputs that nr reads (whole inputs
// whole; absent ones empty).
func inputRects(n *graphir.Node, nr graphir.NodeRegion) []graphir.Rect {
	out := make([]graphir.Rect, len(n.Inputs))
	for j, in := range n.Inputs {
		switch {
		case in == nil:
		case j >= len(nr.Inputs) || nr.Inputs[j].Whole:
			out[j] = graphir.FullRect(in.Shape)
		default:
			out[j] = nr.Inputs[j].Rect
		}
	}
	return out
}
