package tilerun

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/verify"
)

func TestRunLocal_SimplePlanModels(t *testing.T) {
	for _, name := range modelNames {
		t.Run(name, func(t *testing.T) {
			m := loadModel(t, name)
			plan, err := planner.SimplePlan(m.g, 4, planner.Grid{Rows: 2, Cols: 2})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range plan.Stages {
				t.Logf("%s %s %q rows %v cols %v ch %v nodes %d", s.Name, s.Kind, s.To, s.Split.Rows, s.Split.Cols, s.Split.Channels, len(s.Nodes))
			}
			start := time.Now()
			got, err := RunLocal(context.Background(), m.g, plan, m.inputs)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range m.g.Outputs {
				if e := relErr(got[v.Name], m.vals[v.Name]); e > tolerance {
					t.Errorf("output %q: relative error %g to the whole run", v.Name, e)
				}
				if e := relErr(got[v.Name], m.want[i]); e > verify.Tolerance {
					t.Errorf("output %q: relative error %g to onnxruntime", v.Name, e)
				}
			}
			t.Logf("%d stages in %v", len(plan.Stages), time.Since(start))
		})
	}
}

// TestStages_EveryCutPoint puts a fused block boundary at every cut point
// of every reference model: for each cut point, the block from one of the
// previous cut points (1 to 3 back) to it is cut into a random grid, and
// every tile, fed crops of the whole run's values, must give its part of
// the whole run's output.
func TestStages_EveryCutPoint(t *testing.T) {
	for mi, name := range modelNames {
		t.Run(name, func(t *testing.T) {
			m := loadModel(t, name)
			rng := rand.New(rand.NewPCG(uint64(mi), 31))
			cuts := []int{0}
			for _, c := range graphir.CutPoints(m.g) {
				cuts = append(cuts, c.Pos)
			}
			cuts = append(cuts, len(m.g.Nodes))
			blocks, tiles := 0, 0
			for k := 1; k < len(cuts); k++ {
				lo, hi := cuts[max(0, k-1-rng.IntN(3))], cuts[k]
				_, outs := graphir.StageIO(m.g, lo, hi)
				if graphir.CheckFusable(m.g.Nodes[lo:hi], outs) != nil {
					continue
				}
				full := graphir.FullRect(outs[0].Shape)
				split := graphir.Split{Rows: randomBounds(rng, full.Rows.Hi, 4), Cols: randomBounds(rng, full.Cols.Hi, 4)}
				st := compileStage(t, m.g, lo, hi, graphir.StageFused, split)
				blocks++
				tiles += len(st.Tiles)
				checkTiles(t, st, m.vals)
			}
			t.Logf("%d cut points, %d fused blocks, %d tiles", len(cuts)-2, blocks, tiles)
			if blocks == 0 {
				t.Error("no fusable block between cut points")
			}
		})
	}
}

// randomBounds cuts size into 1..maxParts parts, evenly or unevenly.
func randomBounds(rng *rand.Rand, size, maxParts int) []int {
	parts := 1 + rng.IntN(min(maxParts, size))
	if rng.IntN(2) == 0 {
		return planner.EvenSplit(size, parts)
	}
	w := make([]float64, parts)
	for i := range w {
		w[i] = 0.2 + rng.Float64()
	}
	return planner.WeightedSplit(size, w)
}

// compileStage compiles a plan whose stage 1 is g.Nodes[lo:hi] with the
// given kind and split (single stages around it) and returns that stage.
func compileStage(t *testing.T, g *graphir.Graph, lo, hi int, kind graphir.StageKind, split graphir.Split) *partition.Stage {
	t.Helper()
	names := func(a, b int) []string {
		var out []string
		for _, n := range g.Nodes[a:b] {
			out = append(out, n.Name)
		}
		return out
	}
	for k := 0; k < split.Parts(); k++ {
		split.Devices = append(split.Devices, graphir.DeviceID(k))
	}
	one := graphir.Split{Devices: []string{"w"}}
	plan := &graphir.Plan{APIVersion: graphir.PlanAPIVersion, Kind: graphir.PlanKind}
	if lo > 0 {
		plan.Stages = append(plan.Stages, graphir.Stage{Name: "before", Kind: graphir.StageSingle, Nodes: names(0, lo), Split: one})
	}
	plan.Stages = append(plan.Stages, graphir.Stage{Name: "block", Kind: kind, Nodes: names(lo, hi), Split: split})
	if hi < len(g.Nodes) {
		plan.Stages = append(plan.Stages, graphir.Stage{Name: "after", Kind: graphir.StageSingle, Nodes: names(hi, len(g.Nodes)), Split: one})
	}
	prog, err := compileProg(g, plan, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return prog.Stages[min(lo, 1)]
}

// checkTiles runs every tile of st from crops of the whole run's values.
func checkTiles(t *testing.T, st *partition.Stage, vals map[string]*graphir.Tensor) {
	t.Helper()
	for _, tile := range st.Tiles {
		crops := map[string]*graphir.Tensor{}
		for _, p := range tile.In {
			crops[p.Value] = mustCrop(vals[p.Value], p.Box)
		}
		out, err := runTile(tile, crops)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tile.Out {
			if e := relErr(out[p.Value], mustCrop(vals[p.Value], p.Box)); e > tolerance {
				t.Fatalf("block %q (nodes %s..%s) tile %d %v: output %q differs by %g", st.Name, st.Nodes[0].Name, st.Nodes[len(st.Nodes)-1].Name, tile.Index, tile.Rect, p.Value, e)
			}
		}
	}
}
