package tilerun

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner"
)

func TestRunLocal_RandomPlansModels(t *testing.T) {
	plans := 20
	if testing.Short() {
		plans = 4
	}
	for mi, name := range modelNames {
		t.Run(name, func(t *testing.T) {
			m := loadModel(t, name)
			rng := rand.New(rand.NewPCG(uint64(mi), 7))
			start := time.Now()
			kinds := map[string]int{}
			tiles := 0
			for k := 0; k < plans; k++ {
				opts := planner.RandomPlanOptions{Devices: 4, MaxStageNodes: 1 + rng.IntN(16), MaxParts: 4}
				plan, err := planner.RandomPlan(m.g, rng, opts)
				if err != nil {
					t.Fatal(err)
				}
				prog, err := compileProg(m.g, plan, Options{})
				if err != nil {
					b, _ := plan.Encode()
					t.Fatalf("plan %d: %v\n%s", k, err, b)
				}
				for _, st := range prog.Stages {
					kind := string(st.Kind)
					if st.Kind == graphir.StageLayerwise && st.Spatial() {
						kind += "-rows"
					} else if st.Kind == graphir.StageLayerwise {
						kind += "-channels"
					}
					kinds[kind]++
					tiles += len(st.Tiles)
				}
				got, err := runProg(prog, m.inputs)
				if err != nil {
					t.Fatalf("plan %d: %v", k, err)
				}
				for _, v := range m.g.Outputs {
					if e := relErr(got[v.Name], m.vals[v.Name]); e > tolerance {
						b, _ := plan.Encode()
						t.Fatalf("plan %d output %q: relative error %g\n%s", k, v.Name, e, b)
					}
				}
			}
			t.Logf("%d plans, stages %v, %d tiles, in %v", plans, kinds, tiles, time.Since(start))
		})
	}
}

// checkRandomPlan runs a random plan of g drawn from seed and compares it
// with the whole run.
func checkRandomPlan(t *testing.T, g *graphir.Graph, vals map[string]*graphir.Tensor, inputs map[string]*graphir.Tensor, seed uint64, maxNodes, maxParts int) *graphir.Plan {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	plan, err := planner.RandomPlan(g, rng, planner.RandomPlanOptions{Devices: 3, MaxStageNodes: maxNodes, MaxParts: maxParts})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := plan.Encode()
	if _, err := graphir.DecodePlan(b); err != nil {
		t.Fatalf("seed %d: plan does not round-trip: %v\n%s", seed, err, b)
	}
	got, err := RunLocal(context.Background(), g, plan, inputs)
	if err != nil {
		t.Fatalf("seed %d: %v\n%s", seed, err, b)
	}
	for _, v := range g.Outputs {
		if e := relErr(got[v.Name], vals[v.Name]); e > tolerance {
			t.Fatalf("seed %d output %q: relative error %g\n%s", seed, v.Name, e, b)
		}
	}
	return plan
}

// synthInput is a seeded input for g.
func synthInput(g *graphir.Graph) map[string]*graphir.Tensor {
	rng := rand.New(rand.NewPCG(5, 5))
	in := map[string]*graphir.Tensor{}
	for _, v := range g.Inputs {
		t := graphir.NewTensor(v.DType, v.Shape)
		for i := range t.F {
			t.F[i] = float32(rng.Float64()*4 - 2)
		}
		in[v.Name] = t
	}
	return in
}

func TestRunLocal_RandomPlansSynthetic(t *testing.T) {
	plans := 150
	if testing.Short() {
		plans = 40
	}
	for _, sg := range synthGraphs {
		t.Run(sg.name, func(t *testing.T) {
			g := sg.build(t)
			in := synthInput(g)
			vals := runAll(t, g, in)
			tiled := map[string]bool{} // nodes run in a multi-tile spatial stage
			for seed := uint64(0); seed < uint64(plans); seed++ {
				plan := checkRandomPlan(t, g, vals, in, seed, 1+int(seed%12), 1+int(seed%5))
				bound, _ := plan.Bind(g)
				for _, b := range bound {
					if b.Spatial() && len(b.Rows)+len(b.Cols) > 4 {
						for _, n := range b.Nodes {
							tiled[n.Name] = true
						}
					}
				}
			}
			reorg := map[int]bool{}
			for i := range g.Nodes {
				if _, ok := graphir.ReorgAt(g.Nodes, i); ok {
					reorg[i], reorg[i+1], reorg[i+2] = true, true, true
				}
			}
			for i, n := range g.Nodes {
				if (graphir.SpatialLocal(n) == nil || reorg[i]) && !tiled[n.Name] {
					t.Errorf("node %s never ran in a tiled stage", n)
				}
			}
		})
	}
}

// FuzzRunLocal draws a plan for one of the synthetic graphs from the fuzzed
// seed and bounds, and checks that the partitioned run equals the whole
// one. Seeds live in testdata/fuzz/FuzzRunLocal.
func FuzzRunLocal(f *testing.F) {
	f.Add(uint8(0), uint64(1), uint8(4), uint8(3))
	f.Add(uint8(1), uint64(2), uint8(12), uint8(4))
	f.Add(uint8(2), uint64(3), uint8(6), uint8(5))
	f.Add(uint8(3), uint64(4), uint8(2), uint8(2))
	type prepared struct {
		g        *graphir.Graph
		in, vals map[string]*graphir.Tensor
	}
	cache := map[int]prepared{}
	f.Fuzz(func(t *testing.T, graph uint8, seed uint64, maxNodes, maxParts uint8) {
		i := int(graph) % len(synthGraphs)
		p, ok := cache[i]
		if !ok {
			g := synthGraphs[i].build(t)
			in := synthInput(g)
			p = prepared{g, in, runAll(t, g, in)}
			cache[i] = p
		}
		checkRandomPlan(t, p.g, p.vals, p.in, seed, 1+int(maxNodes%16), 1+int(maxParts%6))
	})
}
