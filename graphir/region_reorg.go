package graphir

// The passthrough "reorg" of YOLOv2 as PyTorch exports it:
//
//	x [N, C, H, W]
//	  -> Reshape   [N, C, H/b, b, W/b, b]
//	  -> Transpose perm [0, p, q, r, 2, 4] with {p, q, r} = {1, 3, 5}
//	  -> Reshape   [N, C*b*b, H/b, W/b]
//
// is a SpaceToDepth up to the order of the channels: output row o reads
// input rows b*o .. b*o+b-1. Each node alone is a reshape (not spatially
// local); as a chain of three consecutive nodes whose intermediate values
// have no other reader, fused blocks treat it as one spatially local op.

// ReorgAt reports whether nodes[i:i+3] is a reorg chain and returns its
// block size.
func ReorgAt(nodes []*Node, i int) (block int, ok bool) {
	if i < 0 || i+3 > len(nodes) {
		return 0, false
	}
	r1, tr, r2 := nodes[i], nodes[i+1], nodes[i+2]
	if r1.Op != OpReshape || tr.Op != OpTranspose || r2.Op != OpReshape ||
		tr.In(0) != r1.Outputs[0] || r2.In(0) != tr.Outputs[0] {
		return 0, false
	}
	x, mid, y := r1.In(0).Shape, r1.Outputs[0].Shape, r2.Outputs[0].Shape
	if len(x) != 4 || len(mid) != 6 || len(y) != 4 {
		return 0, false
	}
	b := mid[3]
	if b < 1 || mid[5] != b || x[2] != mid[2]*b || x[3] != mid[4]*b || mid[0] != x[0] || mid[1] != x[1] {
		return 0, false
	}
	perm := tr.Attrs["perm"].Ints
	if len(perm) != 6 || perm[0] != 0 || perm[4] != 2 || perm[5] != 4 {
		return 0, false
	}
	seen := map[int64]bool{}
	for _, p := range perm[1:4] {
		seen[p] = true
	}
	if !seen[1] || !seen[3] || !seen[5] {
		return 0, false
	}
	if !y.Equal(Shape{x[0], x[1] * b * b, mid[2], mid[4]}) {
		return 0, false
	}
	return b, true
}

// reorgChains finds the reorg chains of a block whose intermediate values
// are read by nothing else (in the block or after it: not in outputs); it
// maps the index of each chain's last node to its first.
func reorgChains(nodes []*Node, outputs []*Value) map[int]int {
	any := false
	for i := 0; i+3 <= len(nodes) && !any; i++ {
		any = nodes[i].Op == OpReshape && nodes[i+1].Op == OpTranspose && nodes[i+2].Op == OpReshape
	}
	if !any {
		return nil
	}
	var chains map[int]int
	readers := map[*Value]int{}
	for _, n := range nodes {
		for _, in := range n.Inputs {
			readers[in]++
		}
	}
	escapes := map[*Value]bool{}
	for _, o := range outputs {
		escapes[o] = true
	}
	for i := 0; i+3 <= len(nodes); i++ {
		if _, ok := ReorgAt(nodes, i); !ok {
			continue
		}
		m1, m2 := nodes[i].Outputs[0], nodes[i+1].Outputs[0]
		if readers[m1] != 1 || readers[m2] != 1 || escapes[m1] || escapes[m2] {
			continue
		}
		if chains == nil {
			chains = map[int]int{}
		}
		chains[i+2] = i
		i += 2
	}
	return chains
}

// inReorg reports whether nodes[i] belongs to a reorg chain of chains.
func inReorg(chains map[int]int, i int) bool {
	for tail, head := range chains {
		if head <= i && i <= tail {
			return true
		}
	}
	return false
}

// traceReorg traces a wanted region of a reorg chain's output to its input.
func traceReorg(last *Node, block int, want Rect) NodeRegion {
	up := func(s Span) Span { return Span{s.Lo * block, s.Hi * block} }
	r := NodeRegion{Out: want, Inputs: make([]InputRegion, len(last.Inputs))}
	r.Inputs[0].Rect = Rect{up(want.Rows), up(want.Cols)}
	for i := 1; i < len(r.Inputs); i++ {
		r.Inputs[i].Whole = true
	}
	return r
}

// FusableNodes reports for every node of g whether it may be part of a
// fused block: it is spatially local, or it belongs to a reorg chain (whose
// intermediate values no other node reads). Whether a run of such nodes is
// a block also depends on its outputs (CheckFusable).
func FusableNodes(g *Graph) []bool {
	chains := reorgChains(g.Nodes, g.Outputs)
	out := make([]bool, len(g.Nodes))
	for i, n := range g.Nodes {
		out[i] = SpatialLocal(n) == nil || inReorg(chains, i)
	}
	return out
}
