package planner

import (
	"fmt"
	"time"

	"github.com/edgectl/edgectl/graphir"
)

// Strategy names a way to plan, for comparisons (`edgectl simulate`).
type Strategy string

const (
	// Ours is Plan: the search over one device, fused blocks and
	// layer-wise splits per segment.
	Ours Strategy = "ours"
	// Layerwise splits every layer across all devices (rows for spatial
	// layers, output channels for the others), as MoDNN does.
	Layerwise Strategy = "layerwise"
	// FixedGrid fuses the first 16 layers in a fixed grid of equal tiles,
	// one per device, and runs the rest on the fastest device, as
	// DeepThings does.
	FixedGrid Strategy = "fixed-grid"
	// Single runs the whole model on the fastest device.
	Single Strategy = "single"
)

// Strategies lists every strategy.
var Strategies = []Strategy{Ours, Layerwise, FixedGrid, Single}

// FixedGridLayers is how many layers (convolutions and pools) the
// fixed-grid strategy fuses.
const FixedGridLayers = 16

// PlanWith plans g on the cluster with strategy s.
func PlanWith(g *graphir.Graph, cl *Cluster, s Strategy, opts Options) (*Result, error) {
	if s == Ours {
		return Plan(g, cl, opts)
	}
	start := time.Now()
	p, err := newSearch(g, cl, opts)
	if err != nil {
		return nil, err
	}
	var specs [][]*spec
	switch s {
	case Single:
		specs = [][]*spec{{{lo: 0, hi: len(g.Nodes), kind: graphir.StageSingle, devs: []int{p.order[0]}}}}
	case Layerwise:
		specs = p.layerwisePlan()
	case FixedGrid:
		specs = p.fixedGridPlan()
	default:
		return nil, fmt.Errorf("plan: strategy %q is not one of %v", s, Strategies)
	}
	cur := p.start()
	for _, group := range specs {
		o := &option{mode: ModeSingle}
		for _, sp := range group {
			c, err := p.priceWith(sp, false)
			if err != nil {
				return nil, err
			}
			o.stages = append(o.stages, c)
			switch {
			case sp.kind == graphir.StageFused:
				o.mode = ModeFused
			case len(sp.chans) > 0:
				o.mode = ModeChannels
			case sp.kind == graphir.StageLayerwise && o.mode != ModeChannels:
				o.mode = ModeRows
			}
		}
		cur = p.apply(cur, o, -1)
	}
	res, err := p.result(cur)
	if err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// layerwisePlan splits every layer across all devices: by rows where the
// layer is spatially local, else by output channels, else on the fastest
// device.
func (p *search) layerwisePlan() [][]*spec {
	var out [][]*spec
	all := p.order
	for _, gr := range p.groups(0, len(p.g.Nodes)) {
		a, b := gr[0], gr[1]
		var s []*spec
		if len(all) > 1 {
			if s = p.layerSpecs(a, b, all, ModeRows); s == nil {
				s = p.layerSpecs(a, b, all, ModeChannels)
			}
		}
		if s == nil {
			s = []*spec{{lo: a, hi: b, kind: graphir.StageSingle, devs: []int{all[0]}}}
		}
		out = append(out, s)
	}
	return out
}

// fixedGridPlan fuses the nodes up to the bound after the first
// FixedGridLayers convolutions and pools (or the longest fusable prefix
// before it) in the squarest grid of as many equal tiles as devices, and
// runs the rest on the fastest device.
func (p *search) fixedGridPlan() [][]*spec {
	layers, end := 0, 0
	for b := 1; b < len(p.bounds); b++ {
		for _, n := range p.g.Nodes[p.bounds[b-1]:p.bounds[b]] {
			switch n.Op {
			case graphir.OpConv, graphir.OpMaxPool, graphir.OpAveragePool:
				layers++
			}
		}
		if !p.fusableRange(0, p.bounds[b]) {
			break
		}
		end = b
		if layers >= FixedGridLayers {
			break
		}
	}
	var out [][]*spec
	rest := 0
	if end > 0 && len(p.order) > 1 {
		hi := p.bounds[end]
		_, outs := p.io.StageIO(0, hi)
		full := graphir.FullRect(outs[0].Shape)
		grid := DefaultGrid(len(p.order))
		rows, cols := EvenSplit(full.Rows.Hi, grid.Rows), EvenSplit(full.Cols.Hi, grid.Cols)
		devs := append([]int(nil), p.order[:(len(rows)-1)*(len(cols)-1)]...)
		out = append(out, []*spec{{lo: 0, hi: hi, kind: graphir.StageFused, rows: rows, cols: cols, devs: devs}})
		rest = hi
	}
	if rest < len(p.g.Nodes) {
		out = append(out, []*spec{{lo: rest, hi: len(p.g.Nodes), kind: graphir.StageSingle, devs: []int{p.order[0]}}})
	}
	return out
}
