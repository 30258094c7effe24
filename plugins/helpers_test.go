package plugins

import (
	"bytes"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/internal/testenv"
)

// pluginPath returns plugins/build/NAME.wasm, built (or rebuilt when older
// than its sources) by testenv.Plugins: without the toolchain the test
// fails under CI and skips elsewhere.
func pluginPath(t testing.TB, name string) string {
	t.Helper()
	path := filepath.Join(testenv.Plugins(t), name+".wasm")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("plugin %s missing after make plugins-build", path)
	}
	return path
}

// testOptions are quick-failing options with a per-test cache and a log
// that goes to the test's output; logs is what was logged.
func testOptions(t testing.TB) (Options, *syncBuffer) {
	logs := &syncBuffer{}
	return Options{
		CacheDir:     filepath.Join(os.TempDir(), "edgectl-plugins-test-cache"),
		CallDeadline: 10 * time.Second, // generous: CI machines are busy; tests of deadlines set their own
		Instances:    2,
		Logger:       slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}, logs
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func open(t testing.TB, name string, opts Options) *Plugin {
	t.Helper()
	p, err := Open(pluginPath(t, name), "", opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// graphBuilder builds small graphs node by node, inferring shapes.
type graphBuilder struct {
	t   testing.TB
	rng *rand.Rand
	g   *graphir.Graph
	n   int
}

func newGraph(t testing.TB, input graphir.Shape) (*graphBuilder, *graphir.Value) {
	x := &graphir.Value{Name: "x", DType: graphir.Float32, Shape: input}
	return &graphBuilder{t: t, rng: rand.New(rand.NewPCG(7, 8)), g: &graphir.Graph{Name: "test", Opset: 13, Inputs: []*graphir.Value{x}}}, x
}

func (b *graphBuilder) constant(shape graphir.Shape) *graphir.Value {
	b.n++
	return &graphir.Value{Name: "c" + strings.Repeat("'", b.n), DType: graphir.Float32, Shape: shape, Const: randTensor(b.rng, shape)}
}

func (b *graphBuilder) node(op graphir.Op, attrs graphir.Attrs, inputs ...*graphir.Value) *graphir.Value {
	b.t.Helper()
	b.n++
	y := &graphir.Value{Name: "v" + strings.Repeat("'", b.n)}
	if attrs == nil {
		attrs = graphir.Attrs{}
	}
	n := &graphir.Node{Name: op.String() + strings.Repeat("'", b.n), Op: op, Opset: 13, Inputs: inputs, Outputs: []*graphir.Value{y}, Attrs: attrs}
	if err := graphir.InferNode(n); err != nil {
		b.t.Fatal(err)
	}
	b.g.Nodes = append(b.g.Nodes, n)
	return y
}

func (b *graphBuilder) conv(x *graphir.Value, cout, k, stride, pad, group int) *graphir.Value {
	a := graphir.Attrs{}
	a.SetInts("strides", []int64{int64(stride), int64(stride)})
	a.SetInts("pads", []int64{int64(pad), int64(pad), int64(pad), int64(pad)})
	a.SetInt("group", int64(group))
	w := b.constant(graphir.Shape{cout, x.Shape[1] / group, k, k})
	return b.node(graphir.OpConv, a, x, w, b.constant(graphir.Shape{cout}))
}

func (b *graphBuilder) pool(op graphir.Op, x *graphir.Value, k, stride, pad int) *graphir.Value {
	a := graphir.Attrs{}
	a.SetInts("kernel_shape", []int64{int64(k), int64(k)})
	a.SetInts("strides", []int64{int64(stride), int64(stride)})
	a.SetInts("pads", []int64{int64(pad), int64(pad), int64(pad), int64(pad)})
	return b.node(op, a, x)
}

func (b *graphBuilder) done(outputs ...*graphir.Value) *graphir.Graph {
	b.g.Outputs = outputs
	if err := b.g.Validate(); err != nil {
		b.t.Fatal(err)
	}
	return b.g
}

func (b *graphBuilder) input() map[string]*graphir.Tensor {
	x := b.g.Inputs[0]
	return map[string]*graphir.Tensor{x.Name: randTensor(b.rng, x.Shape)}
}
