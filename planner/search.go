package planner

import (
	"math"
	goruntime "runtime"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
)

// The latency search: a dynamic program over the bounds. A state is the
// placement of the value that crosses a bound (which device holds which
// box of it); its cost is the predicted time from the frame's arrival at
// the coordinator until that value is placed so. An option on the nodes
// between bounds a and b turns a state at a into one at b; its cost is
// each of its stages' dispatch round trip, the transfer of the pieces its
// tiles need that their devices do not hold, and its slowest tile. The
// end state adds bringing the outputs to the coordinator. Every distinct
// placement at a bound is kept (no pruning), so the answer equals an
// exhaustive search over the same options (TestSearch_Exhaustive).

// state is a placement of the values crossing a bound, reached by a chain
// of options.
type state struct {
	pl   placement
	cost float64
	// how it was reached: the previous state and the option on the nodes
	// between its bound and this one; steps of each stage.
	prev  *state
	opt   *option
	at    int // the bound it is at (-1: after a stage that ends elsewhere)
	steps []step
}

// step is one stage's predicted time.
type step struct {
	c       *priced
	rtt     float64
	comm    transfer
	compute float64
}

func (s step) total() float64 { return s.rtt + s.comm.seconds + s.compute }

// start is the state at bound 0: the graph inputs at the coordinator.
func (p *search) start() *state {
	var pl placement
	for _, v := range p.g.Inputs {
		pl = append(pl, placed{v: v, parts: []part{{dev: Coordinator, box: fullBox(v)}}, src: -1})
	}
	return &state{pl: pl, at: 0}
}

// apply runs option o from state s: the stages' costs, and the placement
// of the values crossing bound b after it (of every value, for b < 0).
func (p *search) apply(s *state, o *option, b int) *state {
	pl := make(placement, len(s.pl), len(s.pl)+2*len(o.stages))
	copy(pl, s.pl)
	next := &state{prev: s, opt: o, cost: s.cost + p.penalty*o.share, at: b}
	for _, c := range o.stages {
		st := step{c: c, rtt: p.cl.Net.RTT, comm: p.comm(c, pl), compute: c.compute}
		next.steps = append(next.steps, st)
		next.cost += st.total()
		pl = c.leave(pl)
	}
	if b < 0 {
		next.pl = pl
		return next
	}
	next.pl = make(placement, 0, len(p.live[b]))
	for _, v := range p.live[b] {
		if e, ok := pl.find(v); ok {
			next.pl = append(next.pl, e)
		}
	}
	return next
}

// leaves returns the key of the placement a one-stage option o leaves at
// bound b, when its stage computes every value crossing b (cached).
func (p *search) leaves(o *option, b int) (string, bool) {
	if o.key != "" || o.keyless {
		return o.key, !o.keyless
	}
	o.keyless = true
	if len(o.stages) != 1 {
		return "", false
	}
	c := o.stages[0]
	var pl placement
	for _, v := range p.live[b] {
		found := false
		for k, out := range c.outputs {
			if out == v {
				pl = append(pl, placed{v: v, src: c.layout[k]})
				found = true
			}
		}
		if !found {
			return "", false
		}
	}
	o.key, o.keyless = pl.key(p.live[b]), false
	return o.key, true
}

// finish adds bringing the outputs to the coordinator to an end state.
func (p *search) finish(s *state) float64 {
	return s.cost + p.gather(s.pl, p.live[len(p.bounds)-1]).seconds
}

// latency finds the plan of least predicted latency.
func (p *search) latency() (*state, float64, error) {
	ready := p.prefetch()
	m := len(p.bounds) - 1
	states := make([]*stateSet, m+1)
	states[0] = newStateSet()
	states[0].offer("", p.start())
	for b := 1; b <= m; b++ {
		<-ready[b]
		states[b] = newStateSet()
		for a := b - 1; a >= 0; a-- {
			opts, err := p.rangeOptions(a, b)
			if err != nil {
				return nil, 0, err
			}
			for _, o := range opts {
				key, fast := p.leaves(o, b)
				for _, s := range states[a].list {
					if fast {
						// One stage that leaves the bound's values: price the
						// transition before building its state, first without
						// its transfers (which take no negative time, so it
						// costs at least that).
						c := o.stages[0]
						if old := states[b].get(key); old != nil {
							if s.cost+p.penalty*o.share+p.cl.Net.RTT+c.compute >= old.cost {
								continue
							}
							cost := s.cost + p.penalty*o.share + p.cl.Net.RTT + p.comm(c, s.pl).seconds + c.compute
							if cost >= old.cost {
								continue
							}
						}
					}
					next := p.apply(s, o, b)
					k := key
					if !fast {
						k = next.pl.key(p.live[b])
					}
					states[b].offer(k, next)
				}
			}
		}
	}
	var best *state
	bestCost := math.Inf(1)
	for _, s := range states[m].list {
		if c := p.finish(s); c < bestCost {
			best, bestCost = s, c
		}
	}
	if best == nil {
		return nil, 0, errPlan("no plan covers the graph")
	}
	return best, bestCost, nil
}

// stateSet keeps the cheapest state per key, in the order keys first
// came, so that the search is the same from run to run.
type stateSet struct {
	index map[string]int
	list  []*state
}

func newStateSet() *stateSet { return &stateSet{index: map[string]int{}} }

func (ss *stateSet) get(key string) *state {
	if i, ok := ss.index[key]; ok {
		return ss.list[i]
	}
	return nil
}

// offer keeps s for key when it is cheaper than what key holds.
func (ss *stateSet) offer(key string, s *state) {
	i, ok := ss.index[key]
	switch {
	case !ok:
		ss.index[key] = len(ss.list)
		ss.list = append(ss.list, s)
	case s.cost < ss.list[i].cost:
		ss.list[i] = s
	}
}

// prefetch prices the options of every range on all devices on GOMAXPROCS
// goroutines while the search goes on, the ranges ending at each bound
// together, bound by bound from the first; ready[b] is closed when those
// ending at bound b are priced. (A range that fails is priced again, and
// fails again, when the search asks for it.)
func (p *search) prefetch() (ready []chan struct{}) {
	m := len(p.bounds) - 1
	ready = make([]chan struct{}, m+1)
	for b := 1; b <= m; b++ {
		ready[b] = make(chan struct{})
	}
	ends := make(chan int)
	go func() {
		for b := 1; b <= m; b++ {
			ends <- b
		}
		close(ends)
	}()
	for range min(goruntime.GOMAXPROCS(0), m) {
		go func() {
			for b := range ends {
				for a := b - 1; a >= 0; a-- {
					if _, err := p.rangeOptions(a, b); err != nil {
						break
					}
				}
				close(ready[b])
			}
		}()
	}
	return ready
}

// chain lists the options of the states leading to s, first first.
func chain(s *state) []*state {
	var out []*state
	for ; s != nil && s.opt != nil; s = s.prev {
		out = append(out, s)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func fullBox(v *graphir.Value) partition.Box { return partition.FullBox(v.Shape) }
