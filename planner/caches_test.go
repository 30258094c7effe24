package planner

import (
	"slices"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/tilerun"
)

// The search's caches answer what the uncached computations do, bit for
// bit: the nodes' times summed per range, the links, the ranges' outputs
// and whether they can be fused, and the two-strip halos read from the
// segment traces.
func TestSearch_CachesAnswerAsUncached(t *testing.T) {
	vgg, _ := smallVGG(t, 16)
	res, _ := smallResNet(t, 12)
	for _, g := range []*graphir.Graph{vgg, res} {
		cl := testCluster([]float64{2, 1, 1, 0.5}, 100, 1e-4)
		cl.Net.Link = func(from, to int) Link {
			return Link{PerMessage: float64(from+2) * 1e-4, PerByte: float64(to+3) * 1e-9}
		}
		p, err := newSearch(g, cl, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for from := Coordinator; from < len(cl.Devices); from++ {
			for to := Coordinator; to < len(cl.Devices); to++ {
				if got, want := p.link(from, to), cl.Net.Link(from, to); got != want {
					t.Errorf("link(%d, %d) = %v, want %v", from, to, got, want)
				}
			}
		}
		n := len(g.Nodes)
		for lo := 0; lo < n; lo++ {
			for hi := lo + 1; hi <= n; hi++ {
				for d, dev := range cl.Devices {
					want := 0.0
					for _, nd := range g.Nodes[lo:hi] {
						if !p.fusedAway[nd] {
							want += dev.Timer.Seconds(nd, costmodel.NodeWork(nd))
						}
					}
					if got := p.rangeTime(d, lo, hi); got != want {
						t.Errorf("rangeTime(%d, %d, %d) = %v, want %v", d, lo, hi, got, want)
					}
				}
				_, outs := graphir.StageIO(g, lo, hi)
				for range 2 { // computed, then cached
					if got := p.stageOutputs(lo, hi); !slices.Equal(got, outs) {
						t.Errorf("stageOutputs(%d, %d) = %v, want %v", lo, hi, got, outs)
					}
					want := !slices.Contains(p.fusable[lo:hi], false) && graphir.CheckFusable(g.Nodes[lo:hi], outs) == nil
					if got := p.fusableRange(lo, hi); got != want {
						t.Errorf("fusableRange(%d, %d) = %v, want %v", lo, hi, got, want)
					}
				}
			}
		}
		// The halos of each two-strip block, against the rows its first
		// strip computes when the runtime tiles it (partition.CompileStage).
		blocks := 0
		for a := 0; a < len(p.bounds); a++ {
			for b := a + 1; b < len(p.bounds); b++ {
				if !p.fusedWithin(a, b) {
					continue
				}
				blocks++
				lo, hi := p.bounds[a], p.bounds[b]
				s := p.fusedSpec(lo, hi, p.order[:2], [2]int{2, 1})
				h, err := p.halosOf(s, a, b)
				if err != nil {
					t.Fatal(err)
				}
				if got := p.halos[[2]int{a, b}]; !slices.Equal(got, h) {
					t.Errorf("halos of [%d, %d) cached %v, traced %v", a, b, got, h)
				}
				want := directHalos(t, p, s)
				if !slices.Equal(h, want) {
					t.Errorf("halos of [%d, %d) %v, the runtime's tiles %v", a, b, h, want)
				}
			}
		}
		if blocks == 0 {
			t.Errorf("%s: no fused blocks to check the halos of", g.Name)
		}
	}
}

// compiled is spec s as the runtime compiles it.
func compiled(t *testing.T, p *search, s *spec) *partition.Stage {
	gs := p.graphStage(s, "compiled")
	bound, err := p.io.BindStage(s.lo, s.hi, &gs)
	if err != nil {
		t.Fatal(err)
	}
	st, err := partition.CompileStage(bound)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// directHalos is halosOf from the first tile of s as the runtime traces it.
func directHalos(t *testing.T, p *search, s *spec) []float64 {
	st := compiled(t, p, s)
	out := make([]float64, s.hi-s.lo)
	for i, nr := range st.Tiles[0].Spatial().Nodes {
		n := p.g.Nodes[s.lo+i]
		if nr.Out.Empty() || n.Outputs[0] == nil {
			continue
		}
		full := graphir.FullRect(n.Outputs[0].Shape)
		out[i] = max(0, float64(nr.Out.Rows.Len())-float64(full.Rows.Len())/2)
	}
	return out
}

// TestCuts_AsTheRuntimeMakes compares the crops the planner prices in a
// fused tile (cutsOf) with the Slice nodes the runtime's tile graph gets
// (tilerun.Cuts): a residual network's blocks have them (the sum reads
// without the halo the next convolution reads), a chain has none.
func TestCuts_AsTheRuntimeMakes(t *testing.T) {
	for _, c := range []struct {
		mk   func(testing.TB, int) (*graphir.Graph, map[string]*graphir.Tensor)
		some bool
	}{{smallResNet, true}, {smallVGG, false}} {
		g, _ := c.mk(t, 24)
		p, err := newSearch(g, testCluster([]float64{1, 1}, 1000, 1e-4), Options{})
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for a := 0; a < len(p.bounds); a++ {
			for b := a + 1; b < len(p.bounds); b++ {
				if !p.fusedWithin(a, b) {
					continue
				}
				st := compiled(t, p, p.fusedSpec(p.bounds[a], p.bounds[b], p.order[:2], [2]int{2, 1}))
				for i, tile := range st.Tiles {
					want, err := tilerun.Cuts(tile)
					if err != nil {
						t.Fatal(err)
					}
					if got := len(cutsOf(st.Nodes, tile.Spatial())); got != want {
						t.Errorf("%s [%d, %d) tile %d: %d cuts priced, the runtime makes %d", g.Name, a, b, i, got, want)
					}
					total += want
				}
			}
		}
		if c.some != (total > 0) {
			t.Errorf("%s: %d cuts in all its fused tiles", g.Name, total)
		}
	}
}
