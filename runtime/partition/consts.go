package partition

import (
	"sort"

	"github.com/edgectl/edgectl/graphir"
)

// Constants that tiles need only a part of: a channel tile (a layer split
// by output channels) reads its slice of the layer's weights. The worker
// reads such a constant sparsely, and a bundle (kube/bundle) stores each
// device's slice in a blob of its own; both ask PartialConsts which
// constants those are and Runs where their parts lie.

// PartialConsts finds the constants that tiles read only in parts (channel
// tiles), with the boxes read of each, by name. A constant that any of
// the tiles reads whole (a tile of a spatial or single stage, or a channel
// tile that needs all of it) is not in it.
func PartialConsts(tiles []*Tile) map[string][]Box {
	whole := map[string]bool{}
	parts := map[string][]Box{}
	for _, t := range tiles {
		tr := t.ChannelTrace()
		for i, n := range t.Of().Nodes {
			var cr *graphir.ChannelRegion
			if tr != nil {
				if _, ok := tr.Spans[n.Outputs[0]]; !ok {
					continue // not computed by this tile
				}
				cr = &tr.Nodes[i]
			}
			for j, in := range n.Inputs {
				if in == nil || !in.IsConst() {
					continue
				}
				if cr == nil || cr.Inputs[j].Whole {
					whole[in.Name] = true
					continue
				}
				b := ChannelBox(in, cr.Inputs[j])
				if b.Equal(FullBox(in.Shape)) {
					whole[in.Name] = true
					continue
				}
				parts[in.Name] = append(parts[in.Name], b)
			}
		}
	}
	for name := range whole {
		delete(parts, name)
	}
	return parts
}

// ByteRuns are Runs in bytes, for elements of elem bytes: the parts of a
// constant's data that boxes read.
func ByteRuns(shape graphir.Shape, boxes []Box, elem int) [][2]int64 {
	runs := Runs(shape, boxes)
	for i := range runs {
		runs[i][0] *= int64(elem)
		runs[i][1] *= int64(elem)
	}
	return runs
}

// Runs are the element ranges [lo, hi) of a row-major tensor of shape
// that boxes cover, in order and merged.
func Runs(shape graphir.Shape, boxes []Box) [][2]int64 {
	var out [][2]int64
	for _, b := range boxes {
		out = append(out, boxRuns(shape, b)...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	var merged [][2]int64
	for _, r := range out {
		if n := len(merged); n > 0 && r[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], r[1])
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// boxRuns are the contiguous element ranges of box b in a row-major
// tensor of shape: the trailing axes that b covers whole are one run.
func boxRuns(shape graphir.Shape, b Box) [][2]int64 {
	rank := len(shape)
	if rank == 0 || b.Empty() {
		return nil
	}
	strides := make([]int64, rank)
	s := int64(1)
	for a := rank - 1; a >= 0; a-- {
		strides[a] = s
		s *= int64(shape[a])
	}
	// k is the first axis from which b is contiguous: the axes after k
	// are whole, so one run spans b's range on axis k.
	k := rank - 1
	for k > 0 && b.Lo[k] == 0 && b.Hi[k] == shape[k] {
		k--
	}
	runLen := int64(b.Hi[k]-b.Lo[k]) * strides[k]
	var out [][2]int64
	idx := make([]int, k)
	for i := range idx {
		idx[i] = b.Lo[i]
	}
	for {
		start := int64(b.Lo[k]) * strides[k]
		for a := range k {
			start += int64(idx[a]) * strides[a]
		}
		out = append(out, [2]int64{start, start + runLen})
		a := k - 1
		for ; a >= 0; a-- {
			idx[a]++
			if idx[a] < b.Hi[a] {
				break
			}
			idx[a] = b.Lo[a]
		}
		if a < 0 {
			return out
		}
	}
}
