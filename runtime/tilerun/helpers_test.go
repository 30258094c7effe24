package tilerun

import (
	"context"
	"math"
	"path/filepath"
	"sync"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/internal/testenv"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/verify"
)

// modelNames are the reference models in shared/models.
var modelNames = []string{"vgg16_slim", "yolov2_tiny_slim", "yolov2_slim", "resnet18_tiny", "squeezenet1_1", "mobilenet_v2_w050", "densenet_k12"}

func sharedDir(t testing.TB) string { return testenv.Shared(t) }

// refModel is a loaded reference model with its input and every value of a
// whole single-device run.
type refModel struct {
	g      *graphir.Graph
	inputs map[string]*graphir.Tensor
	vals   map[string]*graphir.Tensor // every value of the whole run
	want   []*graphir.Tensor          // onnxruntime's outputs
}

var (
	modelMu    sync.Mutex
	modelCache = map[string]*refModel{}
)

// loadModel imports a reference model and runs it whole once, keeping
// every intermediate value.
func loadModel(t testing.TB, name string) *refModel {
	modelMu.Lock()
	defer modelMu.Unlock()
	if m, ok := modelCache[name]; ok {
		return m
	}
	dir := filepath.Join(sharedDir(t), "models", name)
	g, err := importer.LoadFile(filepath.Join(dir, "model.onnx"), importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inputs, want, err := verify.LoadSet(g, filepath.Join(dir, "test_data_set_0"))
	if err != nil {
		t.Fatal(err)
	}
	m := &refModel{g: g, inputs: inputs, want: want, vals: runAll(t, g, inputs)}
	modelCache[name] = m
	return m
}

// runAll runs g whole and returns every value, by name.
func runAll(t testing.TB, g *graphir.Graph, inputs map[string]*graphir.Tensor) map[string]*graphir.Tensor {
	all := *g
	all.Outputs = nil
	for _, n := range g.Nodes {
		for _, o := range n.Outputs {
			if o != nil {
				all.Outputs = append(all.Outputs, o)
			}
		}
	}
	e, err := runtime.New(&all)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := e.Run(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range inputs {
		vals[k] = v
	}
	return vals
}

// relErr is max|a-b| / max(1, max|want|), +Inf on NaN or shape mismatch.
func relErr(got, want *graphir.Tensor) float64 {
	if got == nil || !got.Shape.Equal(want.Shape) {
		return math.Inf(1)
	}
	maxAbs, maxRef := 0.0, 0.0
	for i := range want.F {
		a, b := float64(got.F[i]), float64(want.F[i])
		if math.IsNaN(a) != math.IsNaN(b) {
			return math.Inf(1)
		}
		maxAbs = math.Max(maxAbs, math.Abs(a-b))
		maxRef = math.Max(maxRef, math.Abs(b))
	}
	return maxAbs / math.Max(1, maxRef)
}

const tolerance = 1e-5

// runners maps every stage of the programs the tests compiled to its
// program's runner, so that a test holding a tile can run it.
var runners sync.Map // *partition.Stage -> *Runner

// compileProg compiles plan with a runner and returns the program.
func compileProg(g *graphir.Graph, plan *graphir.Plan, opts Options) (*partition.Program, error) {
	r, err := Compile(g, plan, opts)
	if err != nil {
		return nil, err
	}
	for _, st := range r.Program().Stages {
		runners.Store(st, r)
	}
	return r.Program(), nil
}

// runnerOf returns the runner of the program tile t belongs to.
func runnerOf(t *partition.Tile) *Runner {
	r, ok := runners.Load(t.Of())
	if !ok {
		panic("tilerun test: tile of a program not compiled by compileProg")
	}
	return r.(*Runner)
}

func runTile(t *partition.Tile, crops map[string]*graphir.Tensor) (map[string]*graphir.Tensor, error) {
	return runnerOf(t).Run(context.Background(), t, crops)
}

func runProg(p *partition.Program, in map[string]*graphir.Tensor) (map[string]*graphir.Tensor, error) {
	return runnerOf(p.Stages[0].Tiles[0]).RunAll(context.Background(), in)
}

// producerOf returns the index of the stage computing value name.
func producerOf(p *partition.Program, name string) int {
	for _, st := range p.Stages {
		for _, o := range st.Outputs {
			if o.Name == name {
				return st.Index
			}
		}
	}
	return -1
}
