package zoo

import (
	"bytes"
	"context"
	"fmt"
	"math"
	goruntime "runtime"
	"sync"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/runtime"
)

// encode writes the model in style into memory, sized by its layout.
func encode(t *testing.T, name string, seed int64, opts Options) []byte {
	t.Helper()
	b, err := encodeErr(name, seed, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func encodeErr(name string, seed int64, opts Options) ([]byte, error) {
	s, err := newSpec(name, seed, opts)
	if err != nil {
		return nil, err
	}
	l, err := s.layout()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(int(l.size()))
	if err := WriteWith(&buf, name, seed, opts); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// importStyle imports the model written in style with importer.Decode and
// checks the result: batch norm folded into every Conv before it, constant
// sub-graphs gone, the static output shape.
func importStyle(t *testing.T, name string, opts Options, output []int64) *graphir.Graph {
	t.Helper()
	g, err := importer.Decode(encode(t, name, 1, opts), importer.Options{})
	if err != nil {
		t.Fatalf("import %s: %v", opts.Style, err)
	}
	for _, n := range g.Nodes {
		switch n.Op {
		case graphir.OpBatchNormalization:
			if p := n.Inputs[0].Producer; p != nil && p.Op == graphir.OpConv {
				t.Errorf("%s: %s after Conv %q was not folded", opts.Style, n, p.Name)
			}
		case graphir.OpConstant, graphir.OpShape:
			t.Errorf("%s: %s left after folding", opts.Style, n)
		}
	}
	want := make(graphir.Shape, len(output))
	for i, d := range output {
		want[i] = int(d)
	}
	if len(g.Outputs) != 1 || g.Outputs[0].Name != "output" || !g.Outputs[0].Shape.Equal(want) {
		t.Errorf("%s: outputs %v, want one \"output\" of shape %v", opts.Style, g.Outputs, want)
	}
	return g
}

// TestDecode_Styles imports every model in both styles and checks that the
// two graphs agree: the same convolutions, the same output.
func TestDecode_Styles(t *testing.T) {
	t.Parallel()
	for _, tc := range zooModels {
		t.Run(tc.name, func(t *testing.T) {
			if tc.big && testing.Short() {
				t.Skip("big model under -short")
			}
			ts := importStyle(t, tc.name, Options{Style: StyleTorchScript}, tc.output)
			dy := importStyle(t, tc.name, dynamo, tc.output)
			count := func(g *graphir.Graph) (convs int, flops int64) {
				for _, n := range g.Nodes {
					if n.Op == graphir.OpConv {
						convs++
						flops += n.Cost.FLOPs
					}
				}
				return convs, flops
			}
			c1, f1 := count(ts)
			c2, f2 := count(dy)
			if c1 != c2 || f1 != f2 {
				t.Errorf("convs: %d (%d FLOPs) in the default style, %d (%d FLOPs) in the dynamo style", c1, f1, c2, f2)
			}
		})
	}
}

// runModels are run by the executor in both styles, longest first. With the
// reference kernels alone (about 0.5 GFLOP/s) a large one takes 10-20 s.
var runModels = []struct {
	name  string
	large bool // skipped under -short
}{
	{"yolov8n", true}, {"densenet121", true}, {"tiny-yolov2", true}, {"resnet18", true}, {"mobilenet_v2", false},
}

// TestRun_Styles runs each model of runModels, imported from both styles,
// on one deterministic input with runtime.New's executor: the outputs must
// be finite and agree within max|a-b| <= 1e-4*max(1, max|a|), since the
// weights are the same. A pool of GOMAXPROCS workers takes the runs in
// order.
func TestRun_Styles(t *testing.T) {
	t.Parallel()
	styles := []Options{{Style: StyleTorchScript}, dynamo}
	type job struct {
		model string
		opts  Options
		out   *graphir.Tensor
		log   string
	}
	var jobs []*job
	for _, m := range runModels {
		if m.large && testing.Short() {
			t.Logf("%s: large model skipped under -short", m.name)
			continue
		}
		for _, opts := range styles {
			jobs = append(jobs, &job{model: m.name, opts: opts})
		}
	}
	next := make(chan *job, len(jobs))
	for _, j := range jobs {
		next <- j
	}
	close(next)
	var wg sync.WaitGroup
	for range min(goruntime.GOMAXPROCS(0), len(jobs)) {
		wg.Go(func() {
			for j := range next {
				out, log, err := runStyle(j.model, j.opts)
				if err != nil {
					t.Errorf("%s: %v", j.model, err)
					continue
				}
				j.out, j.log = out, log
			}
		})
	}
	wg.Wait()
	for i := 0; i+1 < len(jobs); i += 2 {
		a, b := jobs[i].out, jobs[i+1].out
		if a == nil || b == nil {
			continue // failed above
		}
		name := jobs[i].model
		if !a.Shape.Equal(b.Shape) {
			t.Errorf("%s: output shapes %v and %v", name, a.Shape, b.Shape)
			continue
		}
		var maxA, diff float64
		for k := range a.F {
			maxA = math.Max(maxA, math.Abs(float64(a.F[k])))
			diff = math.Max(diff, math.Abs(float64(a.F[k])-float64(b.F[k])))
		}
		if tol := 1e-4 * math.Max(1, maxA); !(diff <= tol) {
			t.Errorf("%s: styles differ by %g (tolerance %g, max|a| %g)", name, diff, tol, maxA)
		}
		t.Logf("%s; %s; styles agree within %.3g (max|a| %.3g)", jobs[i].log, jobs[i+1].log, diff, maxA)
	}
}

// runStyle imports the model written in style and runs it on a fixed input
// pattern; every output value must be finite. It returns the output and a
// line on the run's speed.
func runStyle(name string, opts Options) (*graphir.Tensor, string, error) {
	b, err := encodeErr(name, 1, opts)
	if err != nil {
		return nil, "", err
	}
	g, err := importer.Decode(b, importer.Options{})
	if err != nil {
		return nil, "", fmt.Errorf("import %s: %w", opts.Style, err)
	}
	e, err := runtime.New(g)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", opts.Style, err)
	}
	x := graphir.NewTensor(graphir.Float32, g.Inputs[0].Shape)
	for i := range x.F {
		x.F[i] = float32(math.Sin(0.01 * float64(i)))
	}
	start := time.Now()
	res, err := e.Run(context.Background(), map[string]*graphir.Tensor{"input": x})
	if err != nil {
		return nil, "", fmt.Errorf("%s: run: %w", opts.Style, err)
	}
	took := time.Since(start)
	out := res["output"]
	if out == nil {
		return nil, "", fmt.Errorf("%s: no output", opts.Style)
	}
	for i, v := range out.F {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, "", fmt.Errorf("%s: output[%d] = %g", opts.Style, i, v)
		}
	}
	return out, fmt.Sprintf("%s %s: %.2f GFLOPs in %v", name, opts.Style, float64(g.Totals().FLOPs)/1e9, took.Round(time.Millisecond)), nil
}
