package planner

import (
	"math"
	"strconv"
)

// Throughput: frames streamed through the pipeline, one frame every period.
// A device's period is the sum of its tiles' compute over all stages (it
// runs one job at a time); the network's is the sum of all transfers on a
// shared medium, or a link's own sum when switched. Two candidates are
// compared by that period: the latency plan (every stage may use every
// device) and a pipeline of stages on disjoint groups of devices
// (PipeEdge's partitioning), found by a dynamic program over (bound,
// devices used, placement) minimising the largest stage's own period.

// period is the predicted time between frames of the plan that reaches s.
func (p *search) period(s *state) float64 {
	busy := make([]float64, len(p.cl.Devices))
	net, linkMax := 0.0, 0.0
	for _, st := range chain(s) {
		for _, x := range st.steps {
			for i, d := range x.c.spec.devs {
				busy[d] += x.c.tile[i]
			}
			net += x.comm.seconds
			linkMax = max(linkMax, x.comm.seconds)
		}
	}
	g := p.gather(s.pl, p.live[len(p.bounds)-1]).seconds
	net += g
	linkMax = max(linkMax, g)
	out := 0.0
	for _, b := range busy {
		out = max(out, b)
	}
	if p.cl.HostCores > 0 {
		sum := 0.0
		for _, b := range busy {
			sum += b
		}
		out = max(out, sum/p.cl.HostCores)
	}
	if p.cl.Net.Shared {
		return max(out, net)
	}
	return max(out, linkMax)
}

// tstate is a pipeline state: the bound reached with the first used
// devices (in speed order) taken, and the largest stage period so far.
type tstate struct {
	*state
	used   int
	period float64
}

// throughput finds the pipeline of least predicted period.
func (p *search) throughput() (*state, float64, error) {
	lat, _, err := p.latency()
	if err != nil {
		return nil, 0, err
	}
	best, bestPeriod := lat, p.period(lat)
	m, n := len(p.bounds)-1, len(p.order)
	// Pipeline states by key, kept in the order keys first came (so the
	// search is the same from run to run).
	type tset struct {
		index map[string]int
		list  []*tstate
	}
	states := make([]*tset, m+1)
	states[0] = &tset{index: map[string]int{"0|": 0}, list: []*tstate{{state: p.start()}}}
	for b := 1; b <= m; b++ {
		states[b] = &tset{index: map[string]int{}}
		for a := b - 1; a >= 0; a-- {
			for _, s := range states[a].list {
				if s.used >= n {
					continue
				}
				opts, err := p.optionsOn(a, b, s.used, false)
				if err != nil {
					return nil, 0, err
				}
				for _, o := range opts {
					next := p.apply(s.state, o, b)
					stage := 0.0
					for _, x := range next.steps {
						stage += x.compute
						stage = max(stage, x.comm.seconds)
					}
					t := &tstate{state: next, used: s.used + o.k, period: max(s.period, stage)}
					key := next.pl.key(p.live[b]) + strconv.Itoa(t.used)
					set := states[b]
					i, ok := set.index[key]
					switch {
					case !ok:
						set.index[key] = len(set.list)
						set.list = append(set.list, t)
					case t.period < set.list[i].period || (t.period == set.list[i].period && t.cost < set.list[i].cost):
						set.list[i] = t
					}
				}
			}
		}
	}
	for _, s := range states[m].list {
		if per := p.period(s.state); per < bestPeriod || (per == bestPeriod && p.finish(s.state) < p.finish(best)) {
			best, bestPeriod = s.state, per
		}
	}
	if math.IsInf(bestPeriod, 1) {
		return nil, 0, errPlan("no plan covers the graph")
	}
	return best, bestPeriod, nil
}
