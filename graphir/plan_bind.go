package graphir

import "fmt"

// BoundStage is a plan stage resolved against a graph.
type BoundStage struct {
	Index  int
	Stage  *Stage
	Lo, Hi int // the stage runs g.Nodes[Lo:Hi]
	Nodes  []*Node
	// Inputs are the non-constant values the stage reads from earlier
	// stages or the graph inputs; Outputs the values it computes that later
	// stages read or that are graph outputs.
	Inputs, Outputs []*Value
	// Rows and Cols are the grid boundaries of a spatial split (fused, or
	// layer-wise by rows), filled in when the plan omits one; Channels the
	// boundaries of a channel split. A single stage has none.
	Rows, Cols, Channels []int
}

// Spatial reports whether the stage is split by a grid of rectangles.
func (b *BoundStage) Spatial() bool {
	return b.Stage.Kind == StageFused || (b.Stage.Kind == StageLayerwise && len(b.Stage.Split.Channels) == 0)
}

// Grid returns the rectangle of part (r, c) of a spatial split.
func (b *BoundStage) Grid(r, c int) Rect {
	return Rect{Span{b.Rows[r], b.Rows[r+1]}, Span{b.Cols[c], b.Cols[c+1]}}
}

// Bind validates the plan against g and resolves every stage, reporting
// every problem at once, each naming its stage and the node or value at
// fault: unknown names, stages that do not cover the graph's nodes in order
// exactly once, fused stages with a node that is not spatially local,
// channel splits through an op that mixes channels, and boundaries that do
// not end at the output's size.
func (p *Plan) Bind(g *Graph) ([]BoundStage, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var errs planErrs
	index := make(map[string]int, len(g.Nodes))
	for i, n := range g.Nodes {
		index[n.Name] = i
	}
	isInput := make(map[string]bool)
	for _, v := range g.Inputs {
		isInput[v.Name] = true
	}
	producer := make(map[string]int)
	for i, n := range g.Nodes {
		for _, o := range n.Outputs {
			if o != nil {
				producer[o.Name] = i
			}
		}
	}
	out := make([]BoundStage, len(p.Stages))
	pos := 0
	for si := range p.Stages {
		s := &p.Stages[si]
		where := fmt.Sprintf("stage %d %q", si, s.Name)
		lo, hi := pos, pos
		if s.From != "" {
			switch pi, ok := producer[s.From]; {
			case isInput[s.From]:
				if pos != 0 {
					errs.add("%s: from %q is a graph input but the stage starts at node %d", where, s.From, pos)
				}
			case !ok:
				errs.add("%s: from value %q is not in the graph", where, s.From)
			case pi+1 != pos:
				errs.add("%s: from value %q is produced by node %d, but the stage starts at node %d", where, s.From, pi, pos)
			}
		}
		if len(s.Nodes) > 0 {
			ok := true
			for k, name := range s.Nodes {
				i, found := index[name]
				switch {
				case !found:
					errs.add("%s: node %q is not in the graph", where, name)
					ok = false
				case i != pos+k:
					errs.add("%s: node %q is at position %d of the graph, want %d (stages must cover the nodes in order)", where, name, i, pos+k)
					ok = false
				}
			}
			hi = pos + len(s.Nodes)
			if !ok {
				return nil, errs.err()
			}
		} else {
			pi, found := producer[s.To]
			switch {
			case !found:
				errs.add("%s: to value %q is not computed by any node", where, s.To)
				return nil, errs.err()
			case pi < pos:
				errs.add("%s: to value %q is produced by node %d, before the stage's start %d", where, s.To, pi, pos)
				return nil, errs.err()
			}
			hi = pi + 1
		}
		pos = hi
		b := BoundStage{Index: si, Stage: s, Lo: lo, Hi: hi, Nodes: g.Nodes[lo:hi]}
		b.Inputs, b.Outputs = StageIO(g, lo, hi)
		bindSplit(&errs, where, &b)
		out[si] = b
	}
	if pos != len(g.Nodes) {
		errs.add("stages end at node %d; the graph has %d nodes (next: %q)", pos, len(g.Nodes), g.Nodes[pos].Name)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// BindStage resolves one stage that runs g.Nodes[lo:hi] (its Nodes, To and
// From are not consulted), checking its split against those nodes as Bind
// does: a planner pricing a candidate stage needs no whole plan. Its Index
// is -1; s must outlive the result.
func BindStage(g *Graph, lo, hi int, s *Stage) (BoundStage, error) {
	return bindStage(g, lo, hi, s, func(lo, hi int) ([]*Value, []*Value) { return StageIO(g, lo, hi) })
}

func bindStage(g *Graph, lo, hi int, s *Stage, io func(lo, hi int) ([]*Value, []*Value)) (BoundStage, error) {
	if lo < 0 || hi > len(g.Nodes) || lo >= hi {
		return BoundStage{}, fmt.Errorf("stage %q: nodes [%d, %d) are not a non-empty range of the graph's %d nodes", s.Name, lo, hi, len(g.Nodes))
	}
	var errs planErrs
	where := fmt.Sprintf("stage %q", s.Name)
	b := BoundStage{Index: -1, Stage: s, Lo: lo, Hi: hi, Nodes: g.Nodes[lo:hi]}
	b.Inputs, b.Outputs = io(lo, hi)
	checkBounds(&errs, where, "rows", s.Split.Rows)
	checkBounds(&errs, where, "cols", s.Split.Cols)
	checkBounds(&errs, where, "channels", s.Split.Channels)
	if len(s.Split.Devices) != s.Split.Parts() {
		errs.add("%s: %d devices for %d parts", where, len(s.Split.Devices), s.Split.Parts())
	}
	bindSplit(&errs, where, &b)
	return b, errs.err()
}

// bindSplit checks the split of a bound stage and fills in its boundaries.
func bindSplit(errs *planErrs, where string, b *BoundStage) {
	s := b.Stage
	if len(b.Nodes) == 0 {
		errs.add("%s: has no nodes", where)
		return
	}
	if s.Kind == StageSingle {
		return
	}
	if len(b.Outputs) == 0 {
		errs.add("%s: computes no value that is used later", where)
		return
	}
	if b.Spatial() {
		if err := CheckFusable(b.Nodes, b.Outputs); err != nil {
			errs.add("%s: cannot be split by rows and cols: %v", where, err)
			return
		}
		full := FullRect(b.Outputs[0].Shape)
		b.Rows = bindBounds(errs, where, "rows", s.Split.Rows, full.Rows.Hi, b.Outputs[0])
		b.Cols = bindBounds(errs, where, "cols", s.Split.Cols, full.Cols.Hi, b.Outputs[0])
		return
	}
	if len(b.Outputs) != 1 {
		errs.add("%s: a channel split needs one output, the stage has %d", where, len(b.Outputs))
		return
	}
	for _, n := range b.Nodes {
		if err := ChannelLocal(n); err != nil {
			errs.add("%s: cannot be split by channels at node %q: %v", where, n.Name, err)
			return
		}
	}
	o := b.Outputs[0]
	if len(o.Shape) < 2 {
		errs.add("%s: output %q of shape %v has no channel axis", where, o.Name, o.Shape)
		return
	}
	b.Channels = bindBounds(errs, where, "channels", s.Split.Channels, o.Shape[1], o)
}

func bindBounds(errs *planErrs, where, what string, bounds []int, size int, v *Value) []int {
	if len(bounds) == 0 {
		return []int{0, size}
	}
	if bounds[len(bounds)-1] != size {
		errs.add("%s: %s %v must end at %d, the size of output %q %v", where, what, bounds, size, v.Name, v.Shape)
	}
	return bounds
}
