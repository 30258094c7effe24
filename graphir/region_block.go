package graphir

import "fmt"

// BlockTrace is a wanted region of a fused block's outputs traced back
// through every node of the block.
type BlockTrace struct {
	// Regions holds, for every non-constant value the block computes, the
	// region computed (a superset of every use of it), and for every value
	// the block reads from outside, the region read. A value read whole has
	// its full rectangle.
	Regions map[*Value]Rect
	// Nodes[i] traces nodes[i]; a node none of whose outputs is needed has
	// an empty Out (it need not run).
	Nodes []NodeRegion
	// Reorgs maps the last node of each reorg chain (ReorgAt) to its first:
	// the last node's trace maps the chain's output to the chain's input,
	// and the other two nodes have an empty Out.
	Reorgs map[int]int
}

// TraceBlock traces wanted regions of some values computed by nodes (in
// topological order) back to the regions of every value they read. Each
// value's region is the smallest rectangle covering what every consumer in
// the block needs (and what is wanted of it); values consumed by several
// branches (residual additions, fire modules, dense blocks) get the hull.
func TraceBlock(nodes []*Node, want map[*Value]Rect) (*BlockTrace, error) {
	need := make(map[*Value]Rect, 2*len(nodes)+len(want))
	wanted := make([]*Value, 0, len(want))
	for v, r := range want {
		need[v] = r.Intersect(FullRect(v.Shape))
		wanted = append(wanted, v)
	}
	t := &BlockTrace{Regions: make(map[*Value]Rect, 2*len(nodes)+len(want)), Nodes: make([]NodeRegion, len(nodes)), Reorgs: reorgChains(nodes, wanted)}
	traced := make([]bool, len(nodes))
	for i := len(nodes) - 1; i >= 0; i-- {
		n := nodes[i]
		var r Rect
		for _, o := range n.Outputs {
			if o != nil {
				r = r.Hull(need[o])
			}
		}
		head, chain := t.Reorgs[i]
		reader := n // the node whose inputs the trace describes
		var nr NodeRegion
		switch {
		case r.Empty():
		case chain:
			b, _ := ReorgAt(nodes, head)
			nr = traceReorg(n, b, r.Intersect(FullRect(n.Outputs[0].Shape)))
			reader = nodes[head]
		default:
			var err error
			if nr, err = TraceRegion(n, r); err != nil {
				return nil, err
			}
		}
		at := i
		if chain {
			i = head // go on before the chain; its other nodes keep an empty trace
		}
		if r.Empty() {
			continue
		}
		t.Nodes[at], traced[at] = nr, true
		for _, o := range n.Outputs {
			if o != nil {
				t.Regions[o] = nr.Out.Intersect(FullRect(o.Shape))
			}
		}
		for j, in := range reader.Inputs {
			if in == nil || in.IsConst() {
				continue
			}
			ir := nr.Inputs[j]
			if ir.Whole {
				need[in] = FullRect(in.Shape)
				continue
			}
			need[in] = need[in].Hull(ir.Rect)
		}
	}
	for v, r := range need {
		if _, computed := t.Regions[v]; !computed {
			t.Regions[v] = r
		}
	}
	for i, n := range nodes {
		if !traced[i] {
			t.Nodes[i] = NodeRegion{Inputs: make([]InputRegion, len(n.Inputs))}
		}
	}
	return t, nil
}

// Cut is a boundary in a graph's node order: between Nodes[Pos-1] and
// Nodes[Pos]. Live are the values crossing it: computed before it (or graph
// inputs) and read at or after it, or graph outputs, in order of first
// appearance. A cut with one live value is a cut point: every path from the
// inputs to the outputs passes through that value.
type Cut struct {
	Pos  int
	Live []*Value
}

// Cuts returns the boundary at every position 0..len(g.Nodes) of g's node
// order with the values crossing it.
func Cuts(g *Graph) []Cut {
	lastUse := make(map[*Value]int)
	for i, n := range g.Nodes {
		for _, in := range n.Inputs {
			if in != nil && !in.IsConst() {
				lastUse[in] = i
			}
		}
	}
	for _, v := range g.Outputs {
		if !v.IsConst() {
			lastUse[v] = len(g.Nodes)
		}
	}
	var live []*Value
	for _, v := range g.Inputs {
		if _, ok := lastUse[v]; ok {
			live = append(live, v)
		}
	}
	cuts := make([]Cut, 0, len(g.Nodes)+1)
	for pos := 0; ; pos++ {
		kept := live[:0:0]
		for _, v := range live {
			if lastUse[v] >= pos {
				kept = append(kept, v)
			}
		}
		live = kept
		cuts = append(cuts, Cut{Pos: pos, Live: append([]*Value(nil), live...)})
		if pos == len(g.Nodes) {
			return cuts
		}
		for _, o := range g.Nodes[pos].Outputs {
			if _, ok := lastUse[o]; ok && o != nil {
				live = append(live, o)
			}
		}
	}
}

// CutPoints returns the cuts of g with exactly one live value, excluding
// position 0 and the end: the values through which every path passes.
func CutPoints(g *Graph) []Cut {
	var out []Cut
	for _, c := range Cuts(g) {
		if len(c.Live) == 1 && c.Pos > 0 && c.Pos < len(g.Nodes) {
			out = append(out, c)
		}
	}
	return out
}

// StageIO returns the non-constant values that the nodes g.Nodes[lo:hi]
// read from outside the range (in order of first use), and the values they
// compute that are read after hi or are graph outputs.
func StageIO(g *Graph, lo, hi int) (inputs, outputs []*Value) {
	inside := make(map[*Value]bool)
	seen := make(map[*Value]bool)
	for _, n := range g.Nodes[lo:hi] {
		for _, in := range n.Inputs {
			if in != nil && !in.IsConst() && !inside[in] && !seen[in] {
				seen[in] = true
				inputs = append(inputs, in)
			}
		}
		for _, o := range n.Outputs {
			if o != nil {
				inside[o] = true
			}
		}
	}
	usedAfter := make(map[*Value]bool)
	for _, n := range g.Nodes[hi:] {
		for _, in := range n.Inputs {
			usedAfter[in] = true
		}
	}
	for _, v := range g.Outputs {
		usedAfter[v] = true
	}
	for _, n := range g.Nodes[lo:hi] {
		for _, o := range n.Outputs {
			if o != nil && usedAfter[o] {
				outputs = append(outputs, o)
			}
		}
	}
	return inputs, outputs
}

// CheckFusable reports why nodes (a contiguous run of a graph, in order)
// with the given outputs cannot form a fused block, or nil: every node must
// be spatially local (or part of a reorg chain, ReorgAt) and every output an
// image value of one height and width.
func CheckFusable(nodes []*Node, outputs []*Value) error {
	chains := reorgChains(nodes, outputs)
	for i, n := range nodes {
		if inReorg(chains, i) {
			continue
		}
		if err := SpatialLocal(n); err != nil {
			return fmt.Errorf("node %q: %w", n.Name, err)
		}
	}
	if len(outputs) == 0 {
		return fmt.Errorf("the block has no output")
	}
	first := outputs[0]
	for _, o := range outputs {
		if len(o.Shape) < 3 {
			return fmt.Errorf("output %q has rank %d, want an image value", o.Name, len(o.Shape))
		}
		if FullRect(o.Shape) != FullRect(first.Shape) {
			return fmt.Errorf("outputs %q %v and %q %v differ in height or width", first.Name, first.Shape, o.Name, o.Shape)
		}
	}
	return nil
}
