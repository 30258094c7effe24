package testbed

import (
	"context"
	"slices"
	"sort"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner"
)

// altModes are the mode sets whose best plans are the alternatives to
// the search's: each the best plan without some kinds of stage.
var altModes = [][]planner.Mode{
	{planner.ModeSingle, planner.ModeFused},
	{planner.ModeSingle, planner.ModeRows, planner.ModeChannels},
	{planner.ModeSingle, planner.ModeFused, planner.ModeChannels},
	{planner.ModeSingle, planner.ModeFused, planner.ModeRows},
	{planner.ModeSingle, planner.ModeRows},
	{planner.ModeSingle, planner.ModeChannels},
}

// Alternatives are the next-best distinct plans of g on cl after the
// search's own (Plan): the best plans with some modes left out and the
// baseline strategies' plans, by predicted latency, at most k. The
// planner has no k-best search; these are the plans it would choose
// were its first choice's kinds of stage not allowed.
func Alternatives(g *graphir.Graph, cl *planner.Cluster, k int) (best *planner.Result, alts []*planner.Result, err error) {
	if best, err = planner.Plan(g, cl, planner.Options{}); err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	key := func(r *planner.Result) string {
		b, _ := r.Plan.Encode()
		return string(b)
	}
	seen[key(best)] = true
	var cands []*planner.Result
	add := func(r *planner.Result, err error) {
		if err != nil {
			return // a mode set with no plan that fits
		}
		if k := key(r); !seen[k] {
			seen[k] = true
			cands = append(cands, r)
		}
	}
	for _, m := range altModes {
		add(planner.Plan(g, cl, planner.Options{Modes: m}))
	}
	for _, s := range []planner.Strategy{planner.Layerwise, planner.FixedGrid} {
		add(planner.PlanWith(g, cl, s, planner.Options{}))
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].Latency < cands[j].Latency })
	return best, cands[:min(k, len(cands))], nil
}

// alternatives measures the search's plan and its next-best alternatives
// on n devices (regret: is the plan chosen the fastest measured?).
func (b *bench) alternatives(ctx context.Context, nw BenchNetwork, n int, base BenchPoint) ([]BenchPoint, error) {
	cl, err := b.plannerCluster(n)
	if err != nil {
		return nil, err
	}
	best, alts, err := Alternatives(b.cfg.Graph, cl, b.cfg.Alternatives)
	if err != nil {
		return nil, err
	}
	var out []BenchPoint
	for i, r := range append([]*planner.Result{best}, alts...) {
		p, err := b.point(ctx, nw, n, "ours", i+1, r)
		if err != nil {
			return out, err
		}
		p.Strategy = "alt"
		b.finish(&p, base)
		out = append(out, p)
	}
	return out, nil
}

// Regret is, among the measured alternatives of one model, count and
// network (Rank > 0), how much slower the search's plan (rank 1)
// measured than the fastest: 0.05 is 5% slower; ok false when there are
// not two measured.
func Regret(pts []BenchPoint) (regret float64, ok bool) {
	var ms []float64
	chosen := 0.0
	for _, p := range pts {
		if p.Rank > 0 && p.MeasuredMs > 0 && p.Err == "" {
			ms = append(ms, p.MeasuredMs)
			if p.Rank == 1 {
				chosen = p.MeasuredMs
			}
		}
	}
	if len(ms) < 2 || chosen == 0 {
		return 0, false
	}
	return chosen/slices.Min(ms) - 1, true
}
