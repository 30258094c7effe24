package planner

import (
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/partition"
)

// A fused block between two bounds is traced segment by segment, from its
// output back: one value crosses each bound inside it, so what the rest of
// the block needs of that value is all the segment before it must compute
// (the trace of the whole block is the composition). Segment traces are
// shared by every block and tile that wants the same rectangle of the same
// segment's output, so deeper blocks cost one segment more, not a whole
// block more (TestPredict_AgreesWithSearch checks the composition against
// partition.CompileStage on the plans made).

// segKey is one segment's output rectangle.
type segKey struct {
	seg  int
	want graphir.Rect
}

// segTrace is a segment traced back from a rectangle of its output.
type segTrace struct {
	// flops[i] and act[i] are the FLOPs of node i of the segment and the
	// bytes it reads and writes (costmodel.SpatialWork; 0 for a node
	// fused away), rows[i] the rows of its output computed.
	flops, act []float64
	// out[i] is the bytes of node i's output traced (search.scratch).
	out  []float64
	rows []int
	// need[i] is the rectangle of live[seg][i] (a value crossing the
	// segment's first bound) the segment reads; ok[i] that it reads any.
	need []graphir.Rect
	ok   []bool
	// secs is the segment's compute time per device class.
	secs []float64
	// cuts are the crops a tile makes: a value read by a node with a
	// smaller rectangle than the one computed (the union of its reads)
	// is cut out by a Slice (runtime/tilerun), a copy the nodes' work does
	// not include. A DenseNet dense block's tile makes hundreds.
	cuts []cut
}

// cut is the rectangle of value v one of its readers gets as a copy.
type cut struct {
	v *graphir.Value
	r graphir.Rect
}

// trace traces segment seg (between bounds seg and seg+1) back from
// rectangle want of its outputs (cached).
func (p *search) trace(seg int, want graphir.Rect) (*segTrace, error) {
	k := segKey{seg, want}
	p.mu.Lock()
	t, ok := p.segs[k]
	p.mu.Unlock()
	if ok {
		return t, nil
	}
	lo, hi := p.bounds[seg], p.bounds[seg+1]
	nodes := p.g.Nodes[lo:hi]
	wants := make(map[*graphir.Value]graphir.Rect, len(p.live[seg+1]))
	for _, v := range p.live[seg+1] {
		wants[v] = want
	}
	tr, err := graphir.TraceBlock(nodes, wants)
	if err != nil {
		return nil, err
	}
	t = &segTrace{flops: make([]float64, len(nodes)), act: make([]float64, len(nodes)), out: make([]float64, len(nodes)), rows: make([]int, len(nodes)),
		need: make([]graphir.Rect, len(p.live[seg])), ok: make([]bool, len(p.live[seg])), secs: make([]float64, p.classes)}
	ins := make([][]graphir.Rect, len(nodes)) // the rectangles of each node's inputs read
	for i, n := range nodes {
		nr := tr.Nodes[i]
		if nr.Out.Empty() {
			continue
		}
		ins[i] = inputRects(n, nr)
		t.rows[i] = nr.Out.Rows.Len()
		if !p.fusedAway[n] {
			w := costmodel.SpatialWork(n, nr.Out, ins[i])
			t.flops[i], t.act[i], t.out[i] = w.FLOPs, w.InBytes+w.OutBytes, w.OutBytes
		}
	}
	for i, v := range p.live[seg] {
		t.need[i], t.ok[i] = tr.Regions[v]
	}
	t.cuts = cutsOf(nodes, tr)
	for d, ci := range p.classOf {
		if t.secs[ci] == 0 {
			t.secs[ci] = p.segSeconds(seg, tr.Nodes, ins, d) + p.cutSeconds(t.cuts, d)
		}
	}
	p.mu.Lock()
	if old, ok := p.segs[k]; ok {
		t = old
	} else {
		p.segs[k] = t
	}
	p.mu.Unlock()
	return t, nil
}

// seconds is the segment's compute time on device d.
func (p *search) seconds(t *segTrace, d int) float64 { return t.secs[p.classOf[d]] }

// segSeconds computes segment seg's compute time on device d: each node
// computes regs[i].Out from rectangles ins[i] of its inputs.
func (p *search) segSeconds(seg int, regs []graphir.NodeRegion, ins [][]graphir.Rect, d int) float64 {
	dev := p.cl.Devices[d]
	s := 0.0
	for i, n := range p.g.Nodes[p.bounds[seg]:p.bounds[seg+1]] {
		if !p.fusedAway[n] && !regs[i].Out.Empty() {
			s += dev.Timer.SpatialSeconds(n, regs[i].Out, ins[i])
		}
	}
	return s
}

// cutsOf lists the cuts of a tile whose nodes trace as tr: each rectangle
// of a 4-D value read other than the one computed or received, once (the
// readers of one rectangle share its copy).
func cutsOf(nodes []*graphir.Node, tr *graphir.BlockTrace) []cut {
	var cuts []cut
	seen := map[cut]bool{}
	for i, n := range nodes {
		nr := tr.Nodes[i]
		if nr.Out.Empty() {
			continue
		}
		for j, v := range n.Inputs {
			if v == nil || v.Const != nil || len(v.Shape) != 4 || j >= len(nr.Inputs) || nr.Inputs[j].Whole {
				continue
			}
			r := nr.Inputs[j].Rect
			if held, ok := tr.Regions[v]; ok && held != r && !r.Empty() && !seen[cut{v, r}] {
				seen[cut{v, r}] = true
				cuts = append(cuts, cut{v, r})
			}
		}
	}
	return cuts
}

// cutSeconds is the time device d takes to copy cuts, each priced as the
// Slice it is.
func (p *search) cutSeconds(cuts []cut, d int) float64 {
	s := 0.0
	for _, c := range cuts {
		n := p.sliceNode(c.v)
		planes := float64(c.v.Shape[0] * c.v.Shape[1])
		b := 4 * planes * float64(c.r.Area())
		s += p.cl.Devices[d].Timer.Seconds(n, costmodel.Work{InBytes: b, OutBytes: b, Rows: planes * float64(c.r.Rows.Len())})
	}
	return s
}

// sliceNode is a Slice node reading v, for the cost model's kind of a cut.
func (p *search) sliceNode(v *graphir.Value) *graphir.Node {
	return memo(&p.mu, p.slices, v, func() *graphir.Node {
		out := &graphir.Value{Name: v.Name + "#cut", DType: v.DType, Shape: v.Shape}
		n := &graphir.Node{Name: "cut " + v.Name, Op: graphir.OpSlice, Inputs: []*graphir.Value{v}, Outputs: []*graphir.Value{out}, Attrs: graphir.Attrs{}}
		out.Producer = n
		return n
	})
}

// fused prices fused spec s over the nodes between bounds a and b by
// composing segment traces.
func (p *search) fused(s *spec, a, b int) (*priced, error) {
	inputs, outputs := p.live[a], p.live[b]
	tiles := (len(s.rows) - 1) * (len(s.cols) - 1)
	c := &priced{spec: s, inputs: inputs, outputs: outputs, need: make([][]partition.Box, tiles),
		tile: make([]float64, tiles), weights: make([]float64, tiles), act: make([]float64, tiles), scratch: make([]float64, tiles),
		out: make([][]part, len(outputs))}
	for k := range outputs {
		c.out[k] = make([]part, tiles)
	}
	cols := len(s.cols) - 1
	for ti := range tiles {
		r := graphir.Rect{Rows: graphir.Span{Lo: s.rows[ti/cols], Hi: s.rows[ti/cols+1]},
			Cols: graphir.Span{Lo: s.cols[ti%cols], Hi: s.cols[ti%cols+1]}}
		for k, o := range outputs {
			c.out[k][ti] = part{dev: s.devs[ti], box: partition.RectBox(o.Shape, r)}
		}
		hs := p.heldSum[p.classOf[s.devs[ti]]]
		c.weights[ti] = hs[s.hi] - hs[s.lo]
		want := r
		for seg := b - 1; seg >= a; seg-- {
			t, err := p.trace(seg, want)
			if err != nil {
				return nil, err
			}
			c.tile[ti] += p.seconds(t, s.devs[ti])
			for i := range t.flops {
				c.flops += t.flops[i]
				c.act[ti] = max(c.act[ti], t.act[i])
				c.scratch[ti] = max(c.scratch[ti], p.scratch(s.devs[ti], p.g.Nodes[p.bounds[seg]+i], t.out[i]))
			}
			if seg > a {
				want = t.need[0]
				continue
			}
			c.need[ti] = make([]partition.Box, len(inputs))
			for i, v := range inputs {
				nr := t.need[i]
				if !t.ok[i] {
					nr = graphir.Rect{}
				}
				c.need[ti][i] = partition.RectBox(v.Shape, nr)
			}
		}
	}
	return c, nil
}
