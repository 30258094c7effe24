package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/plugins"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/kernels/shapes"
	"github.com/edgectl/edgectl/runtime/verify"
)

// PluginOptions configure Plugin.
type PluginOptions struct {
	// Size is the input's spatial size; VGG-16's is 224. 0 means 112: the
	// same layers at a quarter of the work, to keep runs short.
	Size int
	// Reps is how many timed runs per layer and kernel (the fastest
	// counts); 0 means 3.
	Reps int
	// Threads for intra-op parallelism; 0 means all cores.
	Threads int
	// Reference also times the reference kernels (one run each; slow).
	Reference bool
	// Options open the plugin (a logger for its unload reasons, limits).
	Options plugins.Options
}

// PluginLayer is one layer shape's timings (fastest of Reps runs).
type PluginLayer struct {
	Name              string
	Count             int
	CIn, COut, HW     int
	FLOPs             int64
	Native, Reference time.Duration
	Guarded, Trusted  time.Duration
	NativeKernel      string
	MaxRelErr         float64 // guarded plugin against the native kernel
}

// PluginResult is what Bench measured.
type PluginResult struct {
	Plugin, SHA256                      string
	Size, Threads, Reps                 int
	ColdCompile, WarmCompile            time.Duration
	Layers                              []PluginLayer
	Native, Reference, Guarded, Trusted time.Duration // totals, each layer times its count
}

// Plugin times the plugin's convolution on VGG-16's conv layers against the
// executor's native kernel (what runtime.New picks) and, optionally, the
// reference kernel, each as a one-node Conv graph. The plugin runs both
// guarded (untrusted: loop checks and deadlines) and trusted. It also
// reports the cold compile time (empty cache) and the warm one (cache hit).
func Plugin(ctx context.Context, path string, o PluginOptions) (*PluginResult, error) {
	if o.Size <= 0 {
		o.Size = 112
	}
	if o.Size%16 != 0 {
		return nil, fmt.Errorf("bench: size %d is not a multiple of 16", o.Size)
	}
	if o.Reps <= 0 {
		o.Reps = 3
	}
	opts := o.Options
	opts.Instances = o.Threads
	dir, err := os.MkdirTemp("", "edgectl-wasm-cache-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	opts.CacheDir, opts.NoDiskCache = dir, false
	cold, err := plugins.Open(path, "", opts)
	if err != nil {
		return nil, err
	}
	res := &PluginResult{Plugin: cold.Name(), SHA256: cold.SHA256(), Size: o.Size, Threads: o.Threads, Reps: o.Reps, ColdCompile: cold.CompileTime()}
	cold.Close()
	guarded, err := plugins.Open(path, "", opts)
	if err != nil {
		return nil, err
	}
	defer guarded.Close()
	res.WarmCompile = guarded.CompileTime()
	topts := opts
	topts.Trusted = true
	trusted, err := plugins.Open(path, guarded.SHA256(), topts)
	if err != nil {
		return nil, err
	}
	defer trusted.Close()
	if res.Threads <= 0 {
		res.Threads = guarded.Instances()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, l := range shapes.VGG16ConvsMerged() {
		hw := l.Size * o.Size / 224
		g, x := convGraph(rng, l.CIn, l.COut, hw)
		bl := PluginLayer{Name: l.Name, Count: l.Count, CIn: l.CIn, COut: l.COut, HW: hw, FLOPs: g.Nodes[0].Cost.FLOPs}
		native, err := runtime.NewWithOptions(g, runtime.Options{Threads: o.Threads})
		if err != nil {
			return nil, err
		}
		bl.NativeKernel = native.KernelName(0)
		want, d, err := timeRuns(ctx, native, x, o.Reps)
		if err != nil {
			return nil, err
		}
		bl.Native = d
		for _, pl := range []struct {
			p   *plugins.Plugin
			out *time.Duration
		}{{guarded, &bl.Guarded}, {trusted, &bl.Trusted}} {
			e, err := runtime.NewWithOptions(g, runtime.Options{Threads: o.Threads, Extra: plugins.Impls(pl.p)})
			if err != nil {
				return nil, err
			}
			if name := e.KernelName(0); !strings.HasPrefix(name, "plugin:") {
				return nil, fmt.Errorf("bench %s: the plugin does not serve the layer (kernel %s)", l.Name, name)
			}
			got, d, err := timeRuns(ctx, e, x, o.Reps)
			if err != nil {
				return nil, err
			}
			if dead, why := pl.p.Unloaded(); dead {
				return nil, fmt.Errorf("bench %s: plugin unloaded: %s", l.Name, why)
			}
			*pl.out = d
			if pl.p == guarded {
				bl.MaxRelErr = verify.Compare("y", got, want).MaxRel
			}
		}
		if o.Reference {
			e, err := runtime.NewWithOptions(g, runtime.Options{Threads: o.Threads, Reference: true})
			if err != nil {
				return nil, err
			}
			if _, bl.Reference, err = timeRuns(ctx, e, x, 0); err != nil {
				return nil, err
			}
		}
		n := time.Duration(l.Count)
		res.Native += n * bl.Native
		res.Reference += n * bl.Reference
		res.Guarded += n * bl.Guarded
		res.Trusted += n * bl.Trusted
		res.Layers = append(res.Layers, bl)
	}
	return res, nil
}

// convGraph is one 3x3 pad-1 Conv with bias on a [1, cin, hw, hw] input.
func convGraph(rng *rand.Rand, cin, cout, hw int) (*graphir.Graph, map[string]*graphir.Tensor) {
	x := &graphir.Value{Name: "x", DType: graphir.Float32, Shape: graphir.Shape{1, cin, hw, hw}}
	wt := randTensor(rng, graphir.Shape{cout, cin, 3, 3})
	for i := range wt.F {
		wt.F[i] *= 0.1
	}
	w := &graphir.Value{Name: "w", DType: graphir.Float32, Shape: wt.Shape, Const: wt}
	b := &graphir.Value{Name: "b", DType: graphir.Float32, Shape: graphir.Shape{cout}, Const: randTensor(rng, graphir.Shape{cout})}
	attrs := graphir.Attrs{}
	attrs.SetInts("pads", []int64{1, 1, 1, 1})
	y := &graphir.Value{Name: "y"}
	n := &graphir.Node{Name: "conv", Op: graphir.OpConv, Opset: 13, Inputs: []*graphir.Value{x, w, b}, Outputs: []*graphir.Value{y}, Attrs: attrs}
	if err := graphir.InferNode(n); err != nil {
		panic(fmt.Sprintf("bench: plugin bench graph: %v", err))
	}
	g := &graphir.Graph{Name: "bench", Opset: 13, Inputs: []*graphir.Value{x}, Outputs: []*graphir.Value{y}, Nodes: []*graphir.Node{n}}
	return g, map[string]*graphir.Tensor{"x": randTensor(rng, x.Shape)}
}

// timeRuns runs e once to warm up (weights handed over, buffers sized),
// then reps times, and returns the output and the fastest run; with reps 0
// the single run is timed.
func timeRuns(ctx context.Context, e *runtime.Executor, in map[string]*graphir.Tensor, reps int) (*graphir.Tensor, time.Duration, error) {
	start := time.Now()
	out, err := e.Run(ctx, in)
	if err != nil {
		return nil, 0, err
	}
	best := time.Since(start)
	if reps > 0 {
		best = time.Duration(1<<63 - 1)
	}
	for i := 0; i < reps; i++ {
		start := time.Now()
		if out, err = e.Run(ctx, in); err != nil {
			return nil, 0, err
		}
		best = min(best, time.Since(start))
	}
	return out["y"], best, nil
}

// Format renders the result as a table and a summary.
func (r *PluginResult) Format() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plugin %s sha256 %s\n", r.Plugin, r.SHA256)
	fmt.Fprintf(&b, "VGG-16 3x3 conv layers at %dx%d input (full size 224; spatial x%.2f), %d threads, fastest of %d runs\n",
		r.Size, r.Size, float64(r.Size)/224, r.Threads, r.Reps)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layer\tx\tcin\tcout\thw\tGFLOP\tnative ms\tref ms\tplugin ms\ttrusted ms\tplugin/native\ttrusted/native\tmax rel err\t")
	ms := func(d time.Duration) string {
		if d == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000)
	}
	for _, l := range r.Layers {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.3f\t%s\t%s\t%s\t%s\t%.2fx\t%.2fx\t%.1e\t\n", l.Name, l.Count, l.CIn, l.COut, l.HW,
			float64(l.FLOPs)/1e9, ms(l.Native), ms(l.Reference), ms(l.Guarded), ms(l.Trusted),
			speed(l.Native, l.Guarded), speed(l.Native, l.Trusted), l.MaxRelErr)
	}
	fmt.Fprintf(tw, "total\t13\t\t\t\t\t%s\t%s\t%s\t%s\t%.2fx\t%.2fx\t\t\n", ms(r.Native), ms(r.Reference), ms(r.Guarded), ms(r.Trusted),
		speed(r.Native, r.Guarded), speed(r.Native, r.Trusted))
	tw.Flush()
	if len(r.Layers) > 0 {
		fmt.Fprintf(&b, "native kernel: %s\n", r.Layers[0].NativeKernel)
	}
	fmt.Fprintf(&b, "plugin speed / native speed: %.2fx guarded (untrusted), %.2fx trusted\n", speed(r.Native, r.Guarded), speed(r.Native, r.Trusted))
	if r.Reference > 0 {
		fmt.Fprintf(&b, "plugin speed / reference kernel speed: %.1fx guarded, %.1fx trusted\n", speed(r.Reference, r.Guarded), speed(r.Reference, r.Trusted))
	}
	fmt.Fprintf(&b, "deadline guard cost: guarded takes %.2fx the trusted time\n", float64(r.Guarded)/float64(max(r.Trusted, 1)))
	fmt.Fprintf(&b, "compile: %v cold (empty cache), %v warm (cache hit)\n", r.ColdCompile.Round(time.Millisecond), r.WarmCompile.Round(time.Millisecond))
	return b.String()
}

// speed is how many times faster than base d is.
func speed(base, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(base) / float64(d)
}

func randTensor(rng *rand.Rand, shape graphir.Shape) *graphir.Tensor {
	t := graphir.NewTensor(graphir.Float32, shape)
	for i := range t.F {
		t.F[i] = rng.Float32()*2 - 1
	}
	return t
}
