package planner

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/edgectl/edgectl/graphir"
)

// RandomPlanOptions bound the plans RandomPlan draws.
type RandomPlanOptions struct {
	Devices       int // worker ids worker-0..; default 4
	MaxStageNodes int // nodes per stage at most; default 8
	MaxParts      int // rows, columns or channel parts at most; default 4
}

// RandomPlan draws a valid plan for g, for differential tests of
// partitioned against whole-graph execution: stage boundaries anywhere
// (cut points or not), each stage fused (random grid, even or uneven),
// layer-wise (by rows, or by channels where every op allows it) or single,
// named by node lists or by their last value.
func RandomPlan(g *graphir.Graph, rng *rand.Rand, opts RandomPlanOptions) (*graphir.Plan, error) {
	if opts.Devices < 1 {
		opts.Devices = 4
	}
	if opts.MaxStageNodes < 1 {
		opts.MaxStageNodes = 8
	}
	if opts.MaxParts < 1 {
		opts.MaxParts = 4
	}
	if len(g.Nodes) == 0 {
		return nil, fmt.Errorf("random plan: graph has no nodes")
	}
	p := &graphir.Plan{APIVersion: graphir.PlanAPIVersion, Kind: graphir.PlanKind, Model: g.Name}
	dev := func() string { return graphir.DeviceID(rng.IntN(opts.Devices)) }
	for lo := 0; lo < len(g.Nodes); {
		hi := min(len(g.Nodes), lo+1+rng.IntN(opts.MaxStageNodes))
		// Prefer a fusable prefix: shrink until the stage can be tiled.
		for e := hi; e > lo; e-- {
			if _, outs := graphir.StageIO(g, lo, e); graphir.CheckFusable(g.Nodes[lo:e], outs) == nil {
				hi = e
				break
			}
		}
		_, outs := graphir.StageIO(g, lo, hi)
		nodes := g.Nodes[lo:hi]
		var kinds []string
		if graphir.CheckFusable(nodes, outs) == nil {
			kinds = append(kinds, "fused", "fused", "fused", "rows")
		}
		if randomChannelOK(nodes, outs) {
			kinds = append(kinds, "channels", "channels")
		}
		kinds = append(kinds, "single")
		st := graphir.Stage{Name: fmt.Sprintf("stage-%d", len(p.Stages))}
		switch kinds[rng.IntN(len(kinds))] {
		case "fused", "rows":
			full := graphir.FullRect(outs[0].Shape)
			st.Kind = graphir.StageFused
			st.Split.Rows = randomBounds(rng, full.Rows.Hi, opts.MaxParts)
			if rng.IntN(4) == 0 {
				st.Kind = graphir.StageLayerwise
			} else {
				st.Split.Cols = randomBounds(rng, full.Cols.Hi, opts.MaxParts)
			}
		case "channels":
			st.Kind = graphir.StageLayerwise
			st.Split.Channels = randomBounds(rng, outs[0].Shape[1], opts.MaxParts)
		default:
			st.Kind = graphir.StageSingle
		}
		for k := 0; k < st.Split.Parts(); k++ {
			st.Split.Devices = append(st.Split.Devices, dev())
		}
		if rng.IntN(2) == 0 {
			setStageNodes(&st, g, lo, hi)
		} else {
			for _, n := range nodes {
				st.Nodes = append(st.Nodes, n.Name)
			}
		}
		if st.To != "" && rng.IntN(2) == 0 {
			if lo == 0 && len(g.Inputs) == 1 {
				st.From = g.Inputs[0].Name
			} else if lo > 0 && len(g.Nodes[lo-1].Outputs) == 1 {
				st.From = g.Nodes[lo-1].Outputs[0].Name
			}
		}
		p.Stages = append(p.Stages, st)
		lo = hi
	}
	return p, nil
}

func randomChannelOK(nodes []*graphir.Node, outs []*graphir.Value) bool {
	if len(outs) != 1 || len(outs[0].Shape) < 2 {
		return false
	}
	for _, n := range nodes {
		if graphir.ChannelLocal(n) != nil {
			return false
		}
	}
	return true
}

// randomBounds cuts size into 1..maxParts parts, evenly or at random
// positions.
func randomBounds(rng *rand.Rand, size, maxParts int) []int {
	parts := 1 + rng.IntN(max(1, min(maxParts, size)))
	if rng.IntN(2) == 0 {
		return EvenSplit(size, parts)
	}
	cuts := rng.Perm(size - 1)[:parts-1]
	b := []int{0, size}
	for _, c := range cuts {
		b = append(b, c+1)
	}
	slices.Sort(b)
	return b
}
