package plugins

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/verify"
)

// smallCNN covers every entry point: conv 3x3 (pads, stride 2), 1x1,
// depthwise, max and average pooling, and a MatMul on a constant matrix.
func smallCNN(t testing.TB) (*graphir.Graph, map[string]*graphir.Tensor) {
	b, x := newGraph(t, graphir.Shape{1, 3, 36, 36})
	y := b.conv(x, 20, 3, 1, 1, 1)
	y = b.node(graphir.OpRelu, nil, y)
	y = b.pool(graphir.OpMaxPool, y, 2, 2, 0)
	y = b.conv(y, 16, 3, 2, 1, 1)
	y = b.conv(y, 16, 3, 1, 1, 16)
	y = b.conv(y, 24, 1, 1, 0, 1)
	y = b.pool(graphir.OpAveragePool, y, 3, 1, 0)
	y = b.node(graphir.OpMatMul, nil, y, b.constant(graphir.Shape{y.Shape[3], 10}))
	return b.done(y), b.input()
}

func reference(t testing.TB, g *graphir.Graph, in map[string]*graphir.Tensor) map[string]*graphir.Tensor {
	t.Helper()
	e, err := runtime.NewWithOptions(g, runtime.Options{Reference: true})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func checkClose(t testing.TB, got, want map[string]*graphir.Tensor) {
	t.Helper()
	for name, w := range want {
		g := got[name]
		if g == nil || !g.Shape.Equal(w.Shape) {
			t.Fatalf("output %s: got %v, want shape %v", name, g, w.Shape)
		}
		if _, rel := compare(g.F, w.F); rel > Tolerance {
			t.Errorf("output %s: relative error %.3g", name, rel)
		}
	}
}

func TestOpen_Examples(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kinds []opKind
	}{
		{"simd", []opKind{opConv2D, opGemm}},
		{"goscalar", []opKind{opConv2D, opDWConv2D, opGemm, opMaxPool2D, opAvgPool2D}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, _ := testOptions(t)
			p := open(t, tc.name, opts)
			if got := p.manifest.kinds(); len(got) != len(tc.kinds) {
				t.Errorf("manifest kinds %v, want %v", got, tc.kinds)
			}
			r := p.Report()
			if !r.OK() || len(r.Cases) < 6 {
				t.Fatalf("report:\n%s", r.Format())
			}
			multi := false
			for _, c := range r.Cases {
				multi = multi || c.Tiles > 1
			}
			if !multi {
				t.Errorf("no conformance case ran in several tiles:\n%s", r.Format())
			}
			t.Logf("\n%s", r.Format())
		})
	}
}

func TestImpls_SmallCNN(t *testing.T) {
	g, in := smallCNN(t)
	want := reference(t, g, in)
	for _, tc := range []struct {
		plugin string
		served []graphir.Op // ops that must run on the plugin
	}{
		{"simd", []graphir.Op{graphir.OpConv, graphir.OpMatMul}},
		{"goscalar", []graphir.Op{graphir.OpConv, graphir.OpMaxPool, graphir.OpAveragePool, graphir.OpMatMul}},
	} {
		t.Run(tc.plugin, func(t *testing.T) {
			opts, logs := testOptions(t)
			p := open(t, tc.plugin, opts)
			e, err := runtime.NewWithOptions(g, runtime.Options{Extra: Impls(p), Threads: 2})
			if err != nil {
				t.Fatal(err)
			}
			for i, n := range e.Graph().Nodes {
				for _, op := range tc.served {
					// The simd plugin has no depthwise kernel.
					dw := n.Op == graphir.OpConv && n.Attrs["group"].Int > 1
					if n.Op == op && !(dw && tc.plugin == "simd") && !strings.HasPrefix(e.KernelName(i), "plugin:") {
						t.Errorf("node %s runs on %s, want the plugin", n, e.KernelName(i))
					}
				}
			}
			got, err := e.Run(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			checkClose(t, got, want)
			if dead, why := p.Unloaded(); dead {
				t.Fatalf("plugin unloaded: %s\n%s", why, logs)
			}
			if p.Stats().Tiles == 0 || p.Stats().Fallbacks != 0 {
				t.Errorf("stats %+v", p.Stats())
			}
		})
	}
}

// TestImpls_FusedRelu runs Conv+Relu fused by graphir.FuseActivations: the
// plugin must apply the ReLU epilogue.
func TestImpls_FusedRelu(t *testing.T) {
	b, x := newGraph(t, graphir.Shape{2, 5, 17, 19})
	y := b.node(graphir.OpRelu, nil, b.conv(x, 12, 3, 1, 1, 1))
	g := b.done(y)
	in := b.input()
	want := reference(t, g, in)
	if graphir.FuseActivations(g) != 1 {
		t.Fatal("Conv+Relu not fused")
	}
	opts, _ := testOptions(t)
	p := open(t, "simd", opts)
	e, err := runtime.NewWithOptions(g, runtime.Options{Extra: Impls(p)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.KernelName(0), "plugin:") {
		t.Fatalf("fused conv runs on %s", e.KernelName(0))
	}
	got, err := e.Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	checkClose(t, got, want)
}

// TestImpls_Concurrent runs one executor from several goroutines on a pool
// of two instances.
func TestImpls_Concurrent(t *testing.T) {
	g, in := smallCNN(t)
	want := reference(t, g, in)
	opts, _ := testOptions(t)
	p := open(t, "simd", opts)
	e, err := runtime.NewWithOptions(g, runtime.Options{Extra: Impls(p), Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 3; j++ {
				got, err := e.Run(context.Background(), in)
				if err != nil {
					t.Error(err)
					return
				}
				checkClose(t, got, want)
			}
		}()
	}
	wg.Wait()
	if dead, why := p.Unloaded(); dead {
		t.Fatal(why)
	}
}

func TestOpen_Digest(t *testing.T) {
	path := pluginPath(t, "simd")
	opts, _ := testOptions(t)
	p, err := Open(path, "", opts)
	if err != nil {
		t.Fatal(err)
	}
	digest := p.SHA256()
	p.Close()
	if _, err := Open(path, strings.Repeat("0", 64), opts); err == nil || !strings.Contains(err.Error(), "does not match the pinned digest") {
		t.Errorf("wrong digest: err = %v", err)
	}
	trusted := opts
	trusted.Trusted = true
	if _, err := Open(path, "", trusted); err == nil || !strings.Contains(err.Error(), "needs a pinned sha256") {
		t.Errorf("trusted without digest: err = %v", err)
	}
	p, err = Open(path, strings.ToUpper(digest), trusted)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !p.Trusted() {
		t.Error("not trusted")
	}
	g, in := smallCNN(t)
	got, err := verify.WithKernels(Impls(p))(context.Background(), g, in)
	if err != nil {
		t.Fatal(err)
	}
	checkClose(t, got, reference(t, g, in))
}

func TestOpen_RefusesHostile(t *testing.T) {
	for _, tc := range []struct {
		plugin, want string
		refused      bool // a *RefusedError with a report
	}{
		{"hostile_abi", "abi version 2, this host speaks 1", false},
		{"hostile_manifest", `unknown field "color"`, false},
		{"hostile_import", "imports env.host_open, which the host does not provide", false},
		{"hostile_wrong", "max abs error", true},
		{"hostile_loop_always", "deadline", true},
	} {
		t.Run(tc.plugin, func(t *testing.T) {
			opts, _ := testOptions(t)
			if tc.plugin == "hostile_loop_always" {
				opts.CallDeadline = 200 * time.Millisecond
			}
			p, err := Open(pluginPath(t, tc.plugin), "", opts)
			if err == nil {
				p.Close()
				t.Fatal("loaded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
			var refused *RefusedError
			if errors.As(err, &refused) != tc.refused {
				t.Errorf("err = %#v, refused with a report: %v", err, tc.refused)
			}
			if refused != nil {
				t.Logf("\n%s", refused.Report.Format())
			}
		})
	}
}

// TestImpls_ContainsHostile loads plugins that pass the conformance check
// and misbehave on wide tiles: the executor's result stays right, the
// plugin is unloaded with the reason, and later runs use the native kernel.
func TestImpls_ContainsHostile(t *testing.T) {
	b, x := newGraph(t, graphir.Shape{1, 4, 40, 40})
	y := b.conv(x, 8, 3, 1, 1, 1)
	g := b.done(y)
	in := b.input()
	want := reference(t, g, in)
	for _, tc := range []struct{ plugin, reason string }{
		{"hostile_loop", "deadline"},
		{"hostile_recurse", "deadline"},
		{"hostile_oob", "out of bounds memory access"},
		{"hostile_membomb", "ENOMEM"},
		{"hostile_wrongshape", "returned shape [8 39 40], want [8 40 40]"},
		{"hostile_overrun", "wrote past the end of its output"},
	} {
		t.Run(tc.plugin, func(t *testing.T) {
			opts, logs := testOptions(t)
			opts.MemoryLimitPages = 512 // 32 MiB: the memory bomb stops there
			opts.TileFLOPs = 1 << 40    // one tile: the whole 40-column input
			p := open(t, tc.plugin, opts)
			if tc.reason == "deadline" {
				// Loaded with the generous test deadline (busy CI machines);
				// the run that loops needs no more than this.
				p.opts.CallDeadline = 300 * time.Millisecond
			}
			e, err := runtime.NewWithOptions(g, runtime.Options{Extra: Impls(p), Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(e.KernelName(0), "plugin:") {
				t.Fatalf("conv runs on %s", e.KernelName(0))
			}
			for run := 0; run < 2; run++ {
				got, err := e.Run(context.Background(), in)
				if err != nil {
					t.Fatal(err)
				}
				checkClose(t, got, want)
			}
			dead, why := p.Unloaded()
			if !dead || !strings.Contains(why, tc.reason) {
				t.Errorf("unloaded %v, reason %q; want it to mention %q", dead, why, tc.reason)
			}
			if s := p.Stats(); s.Fallbacks != 2 {
				t.Errorf("stats %+v, want 2 fallbacks", s)
			}
			if !strings.Contains(logs.String(), "kernel plugin unloaded") || !strings.Contains(logs.String(), "falls back to a native kernel") {
				t.Errorf("log does not tell the reason:\n%s", logs)
			}
		})
	}
}
