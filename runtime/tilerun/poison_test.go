package tilerun

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/ref"
)

// poison returns a copy of t with NaN everywhere outside box keep.
func poison(t *graphir.Tensor, keep partition.Box) *graphir.Tensor {
	p := t.Clone()
	for i := range p.F {
		p.F[i] = float32(math.NaN())
	}
	if err := partition.Paste(p, partition.FullBox(p.Shape), mustCrop(t, keep), keep); err != nil {
		panic(err)
	}
	return p
}

func mustCrop(t *graphir.Tensor, b partition.Box) *graphir.Tensor {
	c, err := partition.Crop(t, b)
	if err != nil {
		panic(err)
	}
	return c
}

// randomRect draws a non-empty rectangle inside full.
func randomRect(rng *rand.Rand, full graphir.Rect) graphir.Rect {
	span := func(s graphir.Span) graphir.Span {
		lo := rng.IntN(s.Hi)
		return graphir.Span{Lo: lo, Hi: lo + 1 + rng.IntN(s.Hi-lo)}
	}
	return graphir.Rect{Rows: span(full.Rows), Cols: span(full.Cols)}
}

// TestTraceRegion_PoisonOutside checks the region algebra of every
// spatially local node of the synthetic graphs with the whole-image
// reference kernels: with every input element outside the traced region
// set to NaN, the wanted region of the output is finite and unchanged.
func TestTraceRegion_PoisonOutside(t *testing.T) {
	for _, sg := range synthGraphs {
		t.Run(sg.name, func(t *testing.T) {
			g := sg.build(t)
			vals := runAll(t, g, synthInput(g))
			rng := rand.New(rand.NewPCG(1, 2))
			for _, n := range g.Nodes {
				if graphir.SpatialLocal(n) != nil {
					continue
				}
				full := graphir.FullRect(n.Outputs[0].Shape)
				for k := 0; k < 40; k++ {
					want := randomRect(rng, full)
					nr, err := graphir.TraceRegion(n, want)
					if err != nil {
						t.Fatal(err)
					}
					if !nr.Out.Contains(want) {
						t.Fatalf("node %s: computed region %v does not cover %v", n, nr.Out, want)
					}
					ins := make([]*graphir.Tensor, len(n.Inputs))
					for j, in := range n.Inputs {
						switch {
						case in == nil:
						case in.IsConst():
							ins[j] = in.Const
						case nr.Inputs[j].Whole:
							ins[j] = vals[in.Name]
						default:
							ins[j] = poison(vals[in.Name], partition.RectBox(in.Shape, nr.Inputs[j].Rect))
						}
					}
					outs, err := ref.Run(n, ins)
					if err != nil {
						t.Fatal(err)
					}
					for k, o := range n.Outputs {
						if o == nil {
							continue
						}
						box := partition.RectBox(o.Shape, want)
						if e := relErr(mustCrop(outs[k], box), mustCrop(vals[o.Name], box)); e > 1e-6 {
							t.Fatalf("node %s want %v: traced %v; output differs by %g when reading outside it", n, want, nr.Inputs[0].Rect, e)
						}
					}
				}
			}
		})
	}
}

// TestTraceBlock_PoisonOutside checks block tracing on random plans: a
// whole stage run with its inputs poisoned outside a tile's In boxes gives
// the tile's Out boxes finite and unchanged.
func TestTraceBlock_PoisonOutside(t *testing.T) {
	for _, sg := range synthGraphs {
		t.Run(sg.name, func(t *testing.T) {
			g := sg.build(t)
			vals := runAll(t, g, synthInput(g))
			for _, prog := range randomPrograms(t, g, 30, 3) {
				for _, st := range prog.Stages {
					checkStagePoison(t, st, vals, runtime.Options{Reference: true}, 0)
				}
			}
		})
	}
}

// TestTraceBlock_PoisonOutsideModels is TestTraceBlock_PoisonOutside on
// random plans of the reference models, with the fast kernels (two tiles
// per stage).
func TestTraceBlock_PoisonOutsideModels(t *testing.T) {
	if testing.Short() {
		t.Skip("runs whole stages once per tile")
	}
	for mi, name := range modelNames {
		t.Run(name, func(t *testing.T) {
			m := loadModel(t, name)
			rng := rand.New(rand.NewPCG(uint64(mi), 21))
			plan, err := planner.RandomPlan(m.g, rng, planner.RandomPlanOptions{MaxStageNodes: 24})
			if err != nil {
				t.Fatal(err)
			}
			prog, err := compileProg(m.g, plan, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range prog.Stages {
				checkStagePoison(t, st, m.vals, runtime.Options{}, 2)
			}
		})
	}
}

// checkStagePoison runs stage st whole once per tile (at most maxTiles,
// spread over the grid; 0: all), with inputs poisoned outside the tile's
// In boxes.
func checkStagePoison(t *testing.T, st *partition.Stage, vals map[string]*graphir.Tensor, opts runtime.Options, maxTiles int) {
	t.Helper()
	sub := &graphir.Graph{Name: st.Name, Inputs: st.Inputs, Nodes: st.Nodes, Outputs: st.Outputs}
	ex, err := runtime.NewWithOptions(sub, opts)
	if err != nil {
		t.Fatal(err)
	}
	tiles := st.Tiles
	if maxTiles > 0 && len(tiles) > maxTiles {
		tiles = []*partition.Tile{tiles[0], tiles[len(tiles)-1]}
	}
	for _, n := range st.Nodes {
		if (n.Op == graphir.OpResize || n.Op == graphir.OpUpsample) && st.Tiles[0].Spatial() == nil {
			// Along an unscaled axis the reference Resize reads the
			// neighbours with weight 0: exact, but NaN-unsafe.
			return
		}
	}
	for _, tile := range tiles {
		in := map[string]*graphir.Tensor{}
		for _, p := range tile.In {
			in[p.Value] = poison(vals[p.Value], p.Box)
		}
		out, err := ex.Run(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tile.Out {
			if e := relErr(mustCrop(out[p.Value], p.Box), mustCrop(vals[p.Value], p.Box)); e > tolerance {
				t.Fatalf("stage %q tile %d (%v): output %q differs by %g when its inputs are poisoned outside %v", st.Name, tile.Index, tile.Rect, p.Value, e, tile.In)
			}
		}
	}
}

// TestTile_RunPartsPoisoned gives tiles whole values, NaN outside what
// they declare they need, and checks their outputs.
func TestTile_RunPartsPoisoned(t *testing.T) {
	for _, sg := range synthGraphs {
		t.Run(sg.name, func(t *testing.T) {
			g := sg.build(t)
			vals := runAll(t, g, synthInput(g))
			for _, prog := range randomPrograms(t, g, 20, 4) {
				for _, st := range prog.Stages {
					for _, tile := range st.Tiles {
						in := map[string]partition.Held{}
						for _, p := range tile.In {
							v := vals[p.Value]
							in[p.Value] = partition.Held{Box: partition.FullBox(v.Shape), Tensor: poison(v, p.Box)}
						}
						out, err := runnerOf(tile).RunParts(context.Background(), tile, in)
						if err != nil {
							t.Fatal(err)
						}
						for _, p := range tile.Out {
							if e := relErr(out[p.Value], mustCrop(vals[p.Value], p.Box)); e > tolerance {
								t.Fatalf("stage %q tile %d output %q: error %g", st.Name, tile.Index, p.Value, e)
							}
						}
					}
				}
			}
		})
	}
}

// randomPrograms compiles n random plans of g (seeds 0..n-1 of PCG stream
// stream, stages of 1 to 10 nodes).
func randomPrograms(t *testing.T, g *graphir.Graph, n int, stream uint64) []*partition.Program {
	t.Helper()
	var out []*partition.Program
	for seed := uint64(0); seed < uint64(n); seed++ {
		rng := rand.New(rand.NewPCG(seed, stream))
		plan, err := planner.RandomPlan(g, rng, planner.RandomPlanOptions{MaxStageNodes: 1 + int(seed%10)})
		if err != nil {
			t.Fatal(err)
		}
		prog, err := compileProg(g, plan, Options{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, prog)
	}
	return out
}
