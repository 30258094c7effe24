package tilerun

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/runtime/partition"
)

func TestBox_CropCutPaste(t *testing.T) {
	s := graphir.Shape{2, 3, 4, 5}
	whole := graphir.NewTensor(graphir.Float32, s)
	for i := range whole.F {
		whole.F[i] = float32(i)
	}
	a := partition.Box{Lo: []int{0, 1, 1, 2}, Hi: []int{2, 3, 4, 5}}
	ca, err := partition.Crop(whole, a)
	if err != nil {
		t.Fatal(err)
	}
	if !ca.Shape.Equal(graphir.Shape{2, 2, 3, 3}) || ca.F[0] != float32(1*20+1*5+2) {
		t.Fatalf("crop %v first %v", ca.Shape, ca.F[0])
	}
	b := partition.Box{Lo: []int{1, 2, 2, 3}, Hi: []int{2, 3, 3, 5}}
	cb, err := partition.Cut(ca, a, b)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := partition.Crop(whole, b)
	if relErr(cb, want) != 0 {
		t.Errorf("cut of a crop differs from a crop of the whole")
	}
	if _, err := partition.Cut(ca, a, partition.FullBox(s)); err == nil {
		t.Error("cutting outside the held box must fail")
	}
	back := graphir.NewTensor(graphir.Float32, s)
	if err := partition.Paste(back, partition.FullBox(s), ca, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := partition.Crop(back, a); relErr(got, ca) != 0 {
		t.Error("paste then crop")
	}
	if back.F[0] != 0 {
		t.Error("paste wrote outside its box")
	}
}

// compileSynth compiles a random plan of a synthetic graph.
func compileSynth(t *testing.T, g *graphir.Graph, seed uint64) *partition.Program {
	t.Helper()
	plan, err := planner.RandomPlan(g, rand.New(rand.NewPCG(seed, 9)), planner.RandomPlanOptions{MaxStageNodes: 6})
	if err != nil {
		t.Fatal(err)
	}
	prog, err := compileProg(g, plan, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

// TestProgram_SourcesRoute runs programs the way workers do: every tile's
// input is stitched from the pieces Sources names, cut out of the
// producing tiles' outputs, never from a whole value.
func TestProgram_SourcesRoute(t *testing.T) {
	for _, sg := range synthGraphs {
		t.Run(sg.name, func(t *testing.T) {
			g := sg.build(t)
			in := synthInput(g)
			vals := runAll(t, g, in)
			for seed := uint64(0); seed < 25; seed++ {
				prog := compileSynth(t, g, seed)
				outs := make([][]map[string]*graphir.Tensor, len(prog.Stages))
				for si, st := range prog.Stages {
					outs[si] = make([]map[string]*graphir.Tensor, len(st.Tiles))
					for ti, tile := range st.Tiles {
						crops := map[string]*graphir.Tensor{}
						covered := map[int]int{}
						for i, p := range tile.In {
							crops[p.Value] = graphir.NewTensor(prog.Stages[si].Inputs[i].DType, p.Box.Shape())
						}
						for _, src := range prog.Sources(tile) {
							need := tile.In[src.Need]
							var piece *graphir.Tensor
							var err error
							if src.Stage < 0 {
								piece, err = partition.Crop(in[src.Value], src.Box)
							} else {
								up := prog.Stages[src.Stage].Tiles[src.Tile]
								piece, err = partition.Cut(outs[src.Stage][src.Tile][src.Value], outBox(up, src.Value), src.Box)
							}
							if err != nil {
								t.Fatal(err)
							}
							if err := partition.Paste(crops[need.Value], need.Box, piece, src.Box); err != nil {
								t.Fatal(err)
							}
							covered[src.Need] += src.Box.Size()
						}
						for i, p := range tile.In {
							if covered[i] != p.Box.Size() {
								t.Fatalf("seed %d stage %d tile %d: sources cover %d of %d elements of %q", seed, si, ti, covered[i], p.Box.Size(), p.Value)
							}
						}
						out, err := runTile(tile, crops)
						if err != nil {
							t.Fatal(err)
						}
						outs[si][ti] = out
					}
				}
				for _, v := range g.Outputs {
					st := prog.Stages[producerOf(prog, v.Name)]
					whole, err := st.Assemble(outs[st.Index])
					if err != nil {
						t.Fatal(err)
					}
					if e := relErr(whole[v.Name], vals[v.Name]); e > tolerance {
						t.Fatalf("seed %d: output %q differs by %g", seed, v.Name, e)
					}
				}
			}
		})
	}
}

func outBox(t *partition.Tile, value string) partition.Box {
	for _, p := range t.Out {
		if p.Value == value {
			return p.Box
		}
	}
	panic("no output " + value)
}

// TestStage_TileForMerges checks the data-reuse path: one tile for the
// union of neighbouring tiles gives each tile's output.
func TestStage_TileForMerges(t *testing.T) {
	for _, sg := range synthGraphs[:3] {
		t.Run(sg.name, func(t *testing.T) {
			g := sg.build(t)
			vals := runAll(t, g, synthInput(g))
			plan, err := planner.SimplePlan(g, 4, planner.Grid{Rows: 3, Cols: 3})
			if err != nil {
				t.Fatal(err)
			}
			prog, err := compileProg(g, plan, Options{})
			if err != nil {
				t.Fatal(err)
			}
			merged := 0
			defer func() {
				if merged == 0 {
					t.Error("no fused stage with two tiles to merge")
				}
			}()
			for _, st := range prog.Stages {
				if st.Kind != graphir.StageFused || len(st.Tiles) < 2 {
					continue
				}
				merged++
				a, b := st.Tiles[0], st.Tiles[1]
				union, ok := partition.UnionRect(a, b)
				if !ok {
					t.Fatalf("tiles %v and %v of a grid row are not a rectangle", a.Rect, b.Rect)
				}
				if len(st.Tiles) > 3 {
					if _, ok := partition.UnionRect(a, st.Tiles[len(st.Tiles)-1]); ok {
						t.Error("opposite corners of a grid make a rectangle")
					}
				}
				m, err := st.TileFor(union, "w")
				if err != nil {
					t.Fatal(err)
				}
				crops := map[string]*graphir.Tensor{}
				for _, p := range m.In {
					crops[p.Value] = mustCrop(vals[p.Value], p.Box)
				}
				out, err := runTile(m, crops)
				if err != nil {
					t.Fatal(err)
				}
				for _, tile := range []*partition.Tile{a, b} {
					for k, p := range tile.Out {
						got, err := partition.Cut(out[p.Value], m.Out[k].Box, p.Box)
						if err != nil {
							t.Fatal(err)
						}
						if e := relErr(got, mustCrop(vals[p.Value], p.Box)); e > tolerance {
							t.Errorf("stage %q tile %d from the merged tile: error %g", st.Name, tile.Index, e)
						}
					}
				}
				if _, err := st.TileFor(graphir.Rect{}, "w"); err == nil {
					t.Error("TileFor accepts an empty rectangle")
				}
			}
		})
	}
}

// TestTile_SharedExecutors checks that tiles of one geometry share an
// executor (interior tiles of an even grid).
func TestTile_SharedExecutors(t *testing.T) {
	g := synthGraphs[1].build(t)
	plan := &graphir.Plan{APIVersion: graphir.PlanAPIVersion, Kind: graphir.PlanKind, Stages: []graphir.Stage{
		{Name: "stem", Kind: graphir.StageFused, Nodes: []string{g.Nodes[0].Name}, Split: graphir.Split{
			Rows: []int{0, 5, 10, 15, 21}, Devices: []string{"a", "b", "c", "d"}}},
		{Name: "rest", Kind: graphir.StageSingle, To: g.Outputs[0].Name, Split: graphir.Split{Devices: []string{"a"}}},
	}}
	prog, err := compileProg(g, plan, Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := synthInput(g)
	if _, err := runProg(prog, in); err != nil {
		t.Fatal(err)
	}
	st, r := prog.Stages[0], runnerOf(prog.Stages[0].Tiles[0])
	execs := map[*tileExec]bool{}
	for _, tile := range st.Tiles {
		e, err := r.executor(tile)
		if err != nil {
			t.Fatal(err)
		}
		execs[e] = true
	}
	if len(execs) != 3 {
		t.Errorf("%d executors for 4 strips; want 3 (the two interior strips share one)", len(execs))
	}
	e1, _ := r.executor(st.Tiles[1])
	e2, _ := r.executor(st.Tiles[2])
	if e1 != e2 {
		t.Error("interior strips do not share their executor")
	}
}

// TestCompile_GroupedConvChannels splits a depthwise conv by channels: a
// part needs only the input channels of its groups.
func TestCompile_GroupedConvChannels(t *testing.T) {
	g := synthGraphs[3].build(t) // tail: the depthwise conv is node 3
	dw := g.Nodes[3]
	if dw.Op != graphir.OpConv || dw.Attrs["group"].Int != 8 {
		t.Fatalf("node 3 is %s", dw)
	}
	plan := &graphir.Plan{APIVersion: graphir.PlanAPIVersion, Kind: graphir.PlanKind, Stages: []graphir.Stage{
		{Name: "head", Kind: graphir.StageSingle, Nodes: []string{g.Nodes[0].Name, g.Nodes[1].Name, g.Nodes[2].Name}, Split: graphir.Split{Devices: []string{"a"}}},
		{Name: "dw", Kind: graphir.StageLayerwise, Nodes: []string{dw.Name, g.Nodes[4].Name}, Split: graphir.Split{Channels: []int{0, 3, 8}, Devices: []string{"a", "b"}}},
		{Name: "tail", Kind: graphir.StageSingle, To: g.Outputs[0].Name, Split: graphir.Split{Devices: []string{"a"}}},
	}}
	prog, err := compileProg(g, plan, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := prog.Stages[1]
	if got := fmt.Sprint(st.Tiles[0].In[0].Box, st.Tiles[1].In[0].Box); got != "[0:1,0:3,0:8,0:7] [0:1,3:8,0:8,0:7]" {
		t.Errorf("channel needs %s", got)
	}
	in := synthInput(g)
	vals := runAll(t, g, in)
	got, err := runProg(prog, in)
	if err != nil {
		t.Fatal(err)
	}
	if e := relErr(got[g.Outputs[0].Name], vals[g.Outputs[0].Name]); e > tolerance {
		t.Errorf("error %g", e)
	}
}

func ExampleCompile() {
	// A 1x1x6x6 image through a 3x3 average pool (pad 1), cut into two
	// row strips on two workers.
	x := &graphir.Value{Name: "x", DType: graphir.Float32, Shape: graphir.Shape{1, 1, 6, 6}}
	pool := &graphir.Node{Name: "pool", Op: graphir.OpAveragePool, Attrs: graphir.Attrs{},
		Inputs: []*graphir.Value{x}, Outputs: []*graphir.Value{{Name: "y"}}}
	pool.Attrs.SetInts("kernel_shape", []int64{3, 3})
	pool.Attrs.SetInts("pads", []int64{1, 1, 1, 1})
	if err := graphir.InferNode(pool); err != nil {
		panic(err)
	}
	g := &graphir.Graph{Inputs: []*graphir.Value{x}, Nodes: []*graphir.Node{pool}, Outputs: pool.Outputs}
	plan, err := graphir.DecodePlan([]byte(`{"apiVersion": "edgectl.dev/v1alpha1", "kind": "Plan",
	  "stages": [{"name": "s0", "kind": "fused", "to": "y",
	    "split": {"rows": [0, 2, 6], "devices": ["pi", "jetson"]}}]}`))
	if err != nil {
		panic(err)
	}
	prog, err := compileProg(g, plan, Options{})
	if err != nil {
		panic(err)
	}
	for _, t := range prog.Stages[0].Tiles {
		fmt.Println(t.Device, "needs", t.In[0].Box, "produces", t.Out[0].Box)
	}
	// Output:
	// pi needs [0:1,0:1,0:3,0:6] produces [0:1,0:1,0:2,0:6]
	// jetson needs [0:1,0:1,1:6,0:6] produces [0:1,0:1,2:6,0:6]
}

// TestTile_RunConcurrently runs every tile of each stage at once, as a
// worker with several compute slots does (run with -race).
func TestTile_RunConcurrently(t *testing.T) {
	g := synthGraphs[0].build(t)
	in := synthInput(g)
	vals := runAll(t, g, in)
	prog := compileSynth(t, g, 5)
	for _, st := range prog.Stages {
		errs := make(chan error, len(st.Tiles))
		for _, tile := range st.Tiles {
			go func() {
				crops := map[string]*graphir.Tensor{}
				for _, p := range tile.In {
					crops[p.Value] = mustCrop(vals[p.Value], p.Box)
				}
				out, err := runTile(tile, crops)
				if err == nil {
					for _, p := range tile.Out {
						if e := relErr(out[p.Value], mustCrop(vals[p.Value], p.Box)); e > tolerance {
							err = fmt.Errorf("tile %d: error %g", tile.Index, e)
						}
					}
				}
				errs <- err
			}()
		}
		for range st.Tiles {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	}
}
