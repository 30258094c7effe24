package planner

import (
	"strconv"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
)

// spec is one candidate stage: nodes [lo, hi) of the graph split as
// stage.Split says, tile i on device devs[i].
type spec struct {
	lo, hi int
	kind   graphir.StageKind
	rows   []int
	cols   []int
	chans  []int
	devs   []int
}

// key identifies a spec for the price cache.
func (s *spec) key() string {
	b := make([]byte, 0, 64)
	b = strconv.AppendInt(b, int64(s.lo), 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(s.hi), 10)
	b = append(b, s.kind...)
	for _, l := range [][]int{s.rows, s.cols, s.chans, s.devs} {
		b = append(b, '/')
		for _, x := range l {
			b = strconv.AppendInt(b, int64(x), 10)
			b = append(b, ',')
		}
	}
	return string(b)
}

// priced is a spec with its tiles traced and its compute time predicted.
type priced struct {
	id   int // order of pricing
	spec *spec
	// inputs are the values the stage reads from outside (graphir.StageIO),
	// outputs those it leaves for later stages; need[t][i] is the box of
	// inputs[i] tile t reads (empty: none).
	inputs, outputs []*graphir.Value
	need            [][]partition.Box
	tile            []float64 // compute seconds of each tile
	compute         float64   // the stage's compute time: its slowest tile (or the host's cores)
	flops           float64   // FLOPs of its tiles, halos included
	// weights[i] is the bytes tile i holds for its constants: them and
	// its kernels' packed copies (search.held).
	weights []float64
	// act[i] is the most activation bytes one node of tile i reads and
	// writes at once: inside a fused tile, layers' outputs are several
	// times the tile's own input and output.
	act []float64
	// scratch[i] is the most work memory one node's kernel of tile i
	// takes beside the arena (search.scratch).
	scratch []float64
	// out[k] is where the stage leaves output k: tile i's Out box on its
	// device; layout[k] numbers that placement (equal placements of one
	// value get one number, whichever stage leaves them).
	out    [][]part
	layout []int
}

// intern numbers the placement parts of v (p.mu held).
func (p *search) intern(v *graphir.Value, parts []part) int {
	b := append(make([]byte, 0, 64), v.Name...)
	for _, pt := range parts {
		b = append(b, ';')
		b = strconv.AppendInt(b, int64(pt.dev), 10)
		for i := range pt.box.Lo {
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(pt.box.Lo[i]), 10)
			b = append(b, ':')
			b = strconv.AppendInt(b, int64(pt.box.Hi[i]), 10)
		}
	}
	k := string(b)
	id, ok := p.layouts[k]
	if !ok {
		id = len(p.layouts)
		p.layouts[k] = id
	}
	return id
}

// graphStage makes the plan stage of s (named name) for devices named by
// the cluster.
func (p *search) graphStage(s *spec, name string) graphir.Stage {
	st := graphir.Stage{Name: name, Kind: s.kind}
	st.Split.Rows, st.Split.Cols, st.Split.Channels = s.rows, s.cols, s.chans
	for _, d := range s.devs {
		st.Split.Devices = append(st.Split.Devices, p.cl.Devices[d].Name)
	}
	setStageNodes(&st, p.g, s.lo, s.hi)
	return st
}

// price traces s's tiles and predicts their compute time (cached). A
// fused stage between two bounds is traced segment by segment (fused), any
// other through partition.CompileStage, the runtime's own tiling.
func (p *search) price(s *spec) (*priced, error) {
	return p.priceWith(s, true)
}

func (p *search) priceWith(s *spec, bySegments bool) (*priced, error) {
	k := s.key()
	if !bySegments {
		k += " direct"
	}
	p.mu.Lock()
	c, ok := p.prices[k]
	p.mu.Unlock()
	if ok {
		return c, nil
	}
	var err error
	a, aok := p.boundAt[s.lo]
	b, bok := p.boundAt[s.hi]
	if bySegments && s.kind == graphir.StageFused && aok && bok {
		c, err = p.fused(s, a, b)
	} else {
		c, err = p.direct(s)
	}
	if err != nil {
		return nil, err
	}
	sum := 0.0
	for i := range c.tile {
		c.tile[i] += p.cl.Devices[s.devs[i]].JobOverhead
	}
	for _, t := range c.tile {
		c.compute = max(c.compute, t)
		sum += t
	}
	if p.cl.HostCores > 0 {
		c.compute = max(c.compute, sum/p.cl.HostCores)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.prices[k]; ok {
		return old, nil
	}
	c.id = len(p.prices)
	for k, o := range c.outputs {
		c.layout = append(c.layout, p.intern(o, c.out[k]))
	}
	p.prices[k] = c
	return c, nil
}

// direct prices s on the tiles partition.CompileStage traces.
func (p *search) direct(s *spec) (*priced, error) {
	gs := p.graphStage(s, "candidate")
	b, err := p.io.BindStage(s.lo, s.hi, &gs)
	if err != nil {
		return nil, err
	}
	st, err := partition.CompileStage(b)
	if err != nil {
		return nil, err
	}
	n := len(st.Tiles)
	c := &priced{spec: s, inputs: st.Inputs, outputs: st.Outputs, need: make([][]partition.Box, n),
		tile: make([]float64, n), weights: make([]float64, n), act: make([]float64, n), scratch: make([]float64, n),
		out: make([][]part, len(st.Outputs))}
	for k := range st.Outputs {
		c.out[k] = make([]part, n)
	}
	for i, t := range st.Tiles {
		for _, in := range t.In {
			c.need[i] = append(c.need[i], in.Box)
		}
		for k, o := range t.Out {
			c.out[k][i] = part{dev: s.devs[i], box: o.Box}
		}
		dev := p.cl.Devices[s.devs[i]]
		for j, w := range tileWork(t) {
			nd := st.Nodes[j]
			c.weights[i] += p.held(s.devs[i], nd, w.WeightBytes)
			c.act[i] = max(c.act[i], w.InBytes+w.OutBytes)
			c.scratch[i] = max(c.scratch[i], p.scratch(s.devs[i], nd, w.OutBytes))
			if p.fusedAway[nd] {
				continue
			}
			c.tile[i] += tileSeconds(dev.Timer, t, j)
			c.flops += w.FLOPs
		}
		if tr := t.Spatial(); tr != nil && s.kind == graphir.StageFused {
			c.tile[i] += p.cutSeconds(cutsOf(st.Nodes, tr), s.devs[i])
		}
	}
	return c, nil
}

// part is a piece of a value held by a device (Coordinator: the
// coordinator).
type part struct {
	dev int
	box partition.Box
}

// placement says where the pieces of values are; src numbers each
// value's placement, for the state keys. A plan has few values in flight,
// so it is a slice.
type placement []placed

type placed struct {
	v     *graphir.Value
	parts []part
	src   int // layout number (search.intern); -1: the coordinator
}

func (pl placement) get(v *graphir.Value) []part {
	for i := range pl {
		if pl[i].v == v {
			return pl[i].parts
		}
	}
	return nil
}

func (pl placement) find(v *graphir.Value) (placed, bool) {
	for i := range pl {
		if pl[i].v == v {
			return pl[i], true
		}
	}
	return placed{}, false
}

// set replaces or adds v's entry.
func (pl placement) set(e placed) placement {
	for i := range pl {
		if pl[i].v == e.v {
			pl[i] = e
			return pl
		}
	}
	return append(pl, e)
}

// key is a canonical string of where vals are.
func (pl placement) key(vals []*graphir.Value) string {
	b := make([]byte, 0, 16*len(vals))
	for _, v := range vals {
		e, _ := pl.find(v)
		b = strconv.AppendInt(b, int64(e.src), 10)
		b = append(b, '|')
	}
	return string(b)
}

// transfer is the messages a stage receives.
type transfer struct {
	seconds float64
	msgs    int
	bytes   float64
}

// comm is what it takes to bring every tile of c the pieces it needs that
// other devices hold, and the time that takes on the network.
func (p *search) comm(c *priced, pl placement) transfer {
	var tr transfer
	var in, out []float64
	if !p.cl.Net.Shared {
		in, out = make([]float64, len(p.cl.Devices)+1), make([]float64, len(p.cl.Devices)+1)
	}
	for ti, needs := range c.need {
		d := c.spec.devs[ti]
		for i, need := range needs {
			v := c.inputs[i]
			for _, h := range pl.get(v) {
				if h.dev == d {
					continue
				}
				n := interSize(need, h.box)
				if n == 0 {
					continue
				}
				bytes := float64(n) * float64(v.DType.Size())
				l := p.link(h.dev, d)
				s := l.PerMessage + bytes*l.PerByte
				tr.msgs++
				tr.bytes += bytes
				if p.cl.Net.Shared {
					tr.seconds += s
				} else {
					in[d+1] += s
					out[h.dev+1] += s
				}
			}
		}
	}
	for i := range in {
		tr.seconds = max(tr.seconds, in[i], out[i])
	}
	return tr
}

// gather is the time to bring vals whole to the coordinator.
func (p *search) gather(pl placement, vals []*graphir.Value) transfer {
	var tr transfer
	out := make([]float64, len(p.cl.Devices)+1)
	for _, v := range vals {
		for _, h := range pl.get(v) {
			if h.dev == Coordinator {
				continue
			}
			bytes := float64(h.box.Size()) * float64(v.DType.Size())
			l := p.link(h.dev, Coordinator)
			s := l.PerMessage + bytes*l.PerByte
			tr.msgs++
			tr.bytes += bytes
			if p.cl.Net.Shared {
				tr.seconds += s
			} else {
				out[h.dev+1] += s
				out[0] += s
			}
		}
	}
	for _, s := range out {
		tr.seconds = max(tr.seconds, s)
	}
	return tr
}

// interSize is the number of elements in both boxes (of one rank).
func interSize(a, b partition.Box) int {
	n := 1
	for i := range a.Lo {
		lo, hi := max(a.Lo[i], b.Lo[i]), min(a.Hi[i], b.Hi[i])
		if hi <= lo {
			return 0
		}
		n *= hi - lo
	}
	return n
}

// leave records where c leaves its outputs.
func (c *priced) leave(pl placement) placement {
	for k, o := range c.outputs {
		pl = pl.set(placed{v: o, parts: c.out[k], src: c.layout[k]})
	}
	return pl
}
