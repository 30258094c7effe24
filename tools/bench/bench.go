package bench

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/profile"
)

// Config says what to benchmark.
type Config struct {
	// Model is an ONNX or .edgeir file (see ResolveModel for zoo names).
	Model       string
	InputShapes map[string]graphir.Shape
	// Threads for intra-op parallelism on both sides; 0 means GOMAXPROCS.
	Threads int
	// ConvsOnly measures the conv stack (ConvStack) instead of the whole
	// model.
	ConvsOnly bool
	// Layers also measures every Conv alone (ConvLayers).
	Layers bool
	// Compare names the engine to compare with ("" for ours only).
	Compare string
	Plan    Plan
	// Seed of the random inputs.
	Seed uint64
	// PeakTime is how long the FMA peak is measured; 0 means 300 ms.
	PeakTime time.Duration
	// Profile, when > 0, also profiles the headline graph node by node
	// over that many runs (Result.Profile).
	Profile int
	// Log gets progress lines (model generation, which item is timed);
	// nil discards them.
	Log io.Writer
	// CPU and Tier describe the host and the kernel tier in use, for the
	// report (the caller knows them; the bench does not import kernels).
	CPU, Tier string
}

// Item is the measurement of one graph: the model, the conv stack or one
// Conv.
type Item struct {
	Name   string
	Kind   string // "model", "conv stack" or "conv"
	FLOPs  int64
	Ours   Stats
	Theirs Stats   // N == 0 without an engine
	MaxErr float64 // max|ours-theirs| / max(1, max|theirs|); -1 on a size mismatch
}

// Ratio is the item's speed versus the other engine (their median over
// ours), 0 without one.
func (it Item) Ratio() float64 { return Ratio(it.Ours, it.Theirs) }

// Result is a finished benchmark; Items[0] is the headline (model or conv
// stack), then the Conv layers when asked for.
type Result struct {
	Model      string
	Threads    int
	CPU, Tier  string
	Engine     string // "" without comparison
	EngineInfo string
	Kernels    string // which of our implementations ran, per op, in Items[0]
	Peak       Peak
	Plan       Plan
	Items      []Item
	// Profile is where our runtime spends the headline graph's time, with
	// Config.Profile.
	Profile *profile.Profile
	// Others is the share of all CPUs' time that other processes used
	// while the items were timed (from Linux's /proc; -1 when unknown).
	Others float64
}

// Run benchmarks cfg.Model in edgectl's runtime and, with cfg.Compare, in
// that engine, alternating run by run.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	log := cfg.Log
	if log == nil {
		log = io.Discard
	}
	var eng Engine
	if cfg.Compare != "" {
		var err error
		if eng, err = LookupEngine(cfg.Compare); err != nil {
			return nil, err
		}
	}
	threads := cfg.Threads
	if threads <= 0 {
		threads = goruntime.GOMAXPROCS(0)
	}
	g, err := importer.LoadFile(cfg.Model, importer.Options{InputShapes: cfg.InputShapes})
	if err != nil {
		return nil, err
	}
	if cfg.Plan.Threads <= 0 {
		cfg.Plan.Threads = threads
	}
	res := &Result{Model: cfg.Model, Threads: threads, Plan: cfg.Plan, CPU: cfg.CPU, Tier: cfg.Tier}
	if eng != nil {
		res.Engine, res.EngineInfo = eng.Name(), eng.Describe(threads)
	}
	peakTime := cfg.PeakTime
	if peakTime <= 0 {
		peakTime = 300 * time.Millisecond
	}
	res.Peak = MeasurePeak(threads, peakTime)

	type job struct {
		g    *graphir.Graph
		name string
		kind string
		path string // the ONNX file itself, for the whole model
	}
	var jobs []job
	if cfg.ConvsOnly {
		sub, err := ConvStack(g)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.Model, err)
		}
		jobs = append(jobs, job{sub, modelName(cfg.Model), "conv stack", ""})
	} else {
		path := ""
		if !strings.HasSuffix(strings.ToLower(cfg.Model), ".edgeir") {
			path = cfg.Model
		}
		jobs = append(jobs, job{g, modelName(cfg.Model), "model", path})
	}
	if cfg.Layers {
		layers, err := ConvLayers(g)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg.Model, err)
		}
		for _, l := range layers {
			jobs = append(jobs, job{l, l.Name, "conv", ""})
		}
	}
	before := readCPUTicks()
	for i, j := range jobs {
		fmt.Fprintf(log, "bench: timing %s (%d of %d)\n", j.name, i+1, len(jobs))
		it, kernels, err := measure(ctx, cfg, threads, eng, j.g, j.path)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", cfg.Model, j.name, err)
		}
		it.Name, it.Kind = j.name, j.kind
		if i == 0 {
			res.Kernels = kernels
		}
		res.Items = append(res.Items, it)
	}
	res.Others = othersShare(before, readCPUTicks())
	if cfg.Profile > 0 && len(jobs) > 0 {
		fmt.Fprintf(log, "bench: profiling %s node by node (%d runs)\n", jobs[0].name, cfg.Profile)
		if res.Profile, err = profile.Nodes(ctx, jobs[0].g, threads, cfg.Profile, cfg.Seed); err != nil {
			return nil, fmt.Errorf("%s: profile: %w", cfg.Model, err)
		}
	}
	return res, nil
}

// measure times g in our runtime and, with eng, in eng (from the ONNX file
// path, or from g exported when path is "").
func measure(ctx context.Context, cfg Config, threads int, eng Engine, g *graphir.Graph, path string) (Item, string, error) {
	it := Item{FLOPs: g.Totals().FLOPs}
	inputs, err := randomInputs(g, cfg.Seed)
	if err != nil {
		return it, "", err
	}
	outputs, err := outputSpecs(g)
	if err != nil {
		return it, "", err
	}
	// Export before our executor prepares g, in case it rewrites g.
	var m *Model
	if eng != nil {
		m = &Model{Name: g.Name, Path: path, Inputs: inputs, Outputs: outputs}
		if path == "" {
			if m.ONNX, err = ExportONNX(g); err != nil {
				return it, "", err
			}
		}
	}
	ours, err := openOurs(g, inputs, runtime.Options{Threads: threads})
	if err != nil {
		return it, "", err
	}
	defer ours.Close()
	sides := []func(context.Context) error{ours.Run}
	var theirs Session
	if eng != nil {
		if theirs, err = eng.Open(m, threads); err != nil {
			return it, "", fmt.Errorf("%s: %w", eng.Name(), err)
		}
		defer theirs.Close()
		sides = append(sides, theirs.Run)
	}
	samples, err := Alternate(ctx, cfg.Plan, sides...)
	if err != nil {
		return it, "", err
	}
	it.Ours = Summarize(samples[0])
	if theirs != nil {
		it.Theirs = Summarize(samples[1])
		it.MaxErr = maxError(ours, theirs, len(outputs))
	}
	return it, ours.kernels(), nil
}

// modelName is the file name without extension, or for a model.onnx in
// the model-zoo layout, its folder's name.
func modelName(path string) string {
	base := filepath.Base(path)
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	if base == "model" {
		if dir := filepath.Base(filepath.Dir(path)); dir != "." && dir != string(filepath.Separator) {
			return dir
		}
	}
	return base
}
