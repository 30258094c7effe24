package graphir

// IOIndex answers StageIO and BindStage for many ranges of one graph (a
// planner pricing candidate stages), each in time proportional to the
// range instead of the graph.
type IOIndex struct {
	g       *Graph
	lastUse map[*Value]int // last reader's index; len(g.Nodes) for graph outputs
}

// NewIOIndex indexes g; g must not change while the index is used.
func NewIOIndex(g *Graph) *IOIndex {
	x := &IOIndex{g: g, lastUse: map[*Value]int{}}
	for i, n := range g.Nodes {
		for _, in := range n.Inputs {
			if in != nil {
				x.lastUse[in] = i
			}
		}
	}
	for _, v := range g.Outputs {
		x.lastUse[v] = len(g.Nodes)
	}
	return x
}

// StageIO is StageIO(g, lo, hi).
func (x *IOIndex) StageIO(lo, hi int) (inputs, outputs []*Value) {
	inside := make(map[*Value]bool, 2*(hi-lo))
	seen := make(map[*Value]bool)
	for _, n := range x.g.Nodes[lo:hi] {
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
	for _, n := range x.g.Nodes[lo:hi] {
		for _, o := range n.Outputs {
			if u, ok := x.lastUse[o]; o != nil && ok && u >= hi {
				outputs = append(outputs, o)
			}
		}
	}
	return inputs, outputs
}

// BindStage is BindStage(g, lo, hi, s).
func (x *IOIndex) BindStage(lo, hi int, s *Stage) (BoundStage, error) {
	return bindStage(x.g, lo, hi, s, x.StageIO)
}
