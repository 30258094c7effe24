package planner

import (
	"fmt"
	"time"

	"github.com/edgectl/edgectl/graphir"
)

// Predict predicts a given plan (a plan file, a baseline strategy) on the
// cluster with the same model the search uses. Every device the plan names
// must be a device of the cluster.
func Predict(g *graphir.Graph, plan *graphir.Plan, cl *Cluster) (*Result, error) {
	start := time.Now()
	p, err := newSearch(g, cl, Options{})
	if err != nil {
		return nil, err
	}
	bound, err := plan.Bind(g)
	if err != nil {
		return nil, err
	}
	index := map[string]int{}
	for i, d := range cl.Devices {
		index[d.Name] = i
	}
	s := p.start()
	for _, b := range bound {
		sp := &spec{lo: b.Lo, hi: b.Hi, kind: b.Stage.Kind, chans: b.Channels}
		if b.Spatial() {
			sp.rows, sp.cols = b.Rows, b.Cols
			if b.Stage.Kind == graphir.StageLayerwise {
				sp.cols = nil
			}
		}
		for _, name := range b.Stage.Split.Devices {
			d, ok := index[name]
			if !ok {
				return nil, fmt.Errorf("plan stage %q: device %q is not in the cluster", b.Stage.Name, name)
			}
			sp.devs = append(sp.devs, d)
		}
		c, err := p.priceWith(sp, false)
		if err != nil {
			return nil, fmt.Errorf("plan stage %q: %w", b.Stage.Name, err)
		}
		mode := ModeSingle
		switch {
		case b.Stage.Kind == graphir.StageFused:
			mode = ModeFused
		case len(b.Channels) > 0:
			mode = ModeChannels
		case b.Stage.Kind == graphir.StageLayerwise:
			mode = ModeRows
		}
		s = p.apply(s, &option{mode: mode, stages: []*priced{c}}, -1)
	}
	res := &Result{Plan: plan}
	for i, st := range chain(s) {
		res.Stages = append(res.Stages, p.stageTime(plan.Stages[i].Name, st.opt.mode, st.steps[0]))
	}
	res.Gather = p.gather(s.pl, p.live[len(p.bounds)-1]).export()
	res.Latency, res.Period = p.finish(s), p.period(s)
	res.Memory = p.memoryReport(s)
	res.Predicted = res.Latency
	one, err := p.singleDevice(p.order[0])
	if err != nil {
		return nil, err
	}
	res.Single, res.SingleDevice = one, cl.Devices[p.order[0]].Name
	res.Elapsed = time.Since(start)
	return res, nil
}
