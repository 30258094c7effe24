package graphir

// BlockOverhead is the work the tiles of a fused block recompute: the sum
// over tiles of each node's FLOPs times the fraction of its output the tile
// computes, over the block's FLOPs (1 means no halo is recomputed).
func BlockOverhead(nodes []*Node, outputs []*Value, rows, cols []int) (float64, error) {
	total := 0.0
	for _, n := range nodes {
		total += float64(max(n.Cost.FLOPs, 1))
	}
	work := 0.0
	for r := 0; r+1 < len(rows); r++ {
		for c := 0; c+1 < len(cols); c++ {
			rect := Rect{Span{rows[r], rows[r+1]}, Span{cols[c], cols[c+1]}}
			want := make(map[*Value]Rect, len(outputs))
			for _, o := range outputs {
				want[o] = rect
			}
			t, err := TraceBlock(nodes, want)
			if err != nil {
				return 0, err
			}
			for i, n := range nodes {
				if nr := t.Nodes[i]; !nr.Out.Empty() {
					full := FullRect(n.Outputs[0].Shape).Area()
					work += float64(max(n.Cost.FLOPs, 1)) * float64(nr.Out.Area()) / float64(max(full, 1))
				}
			}
		}
	}
	return work / total, nil
}
