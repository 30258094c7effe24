package bench

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/internal/testenv"
	"github.com/edgectl/edgectl/runtime"
)

func sharedModel(t *testing.T, name string) string {
	return testenv.SharedPath(t, "models", name, "model.onnx")
}

// refEngine is a stand-in for ONNX Runtime: it imports the ONNX model it is
// given (the file, or the bytes ExportONNX wrote), unfolded, and runs it in
// our runtime. It tests the engine plumbing and, through the outputs,
// ExportONNX.
type refEngine struct{ opened []*Model }

func (e *refEngine) Name() string                { return "ref-test" }
func (e *refEngine) Describe(threads int) string { return "edgectl on the imported ONNX" }
func (e *refEngine) Open(m *Model, threads int) (Session, error) {
	e.opened = append(e.opened, m)
	var g *graphir.Graph
	var err error
	if m.Path != "" {
		g, err = importer.LoadFile(m.Path, importer.Options{KeepUnfolded: true})
	} else {
		g, err = importer.Decode(m.ONNX, importer.Options{KeepUnfolded: true})
	}
	if err != nil {
		return nil, err
	}
	ex, err := runtime.NewWithOptions(g, runtime.Options{Threads: threads})
	if err != nil {
		return nil, err
	}
	in := map[string]*graphir.Tensor{}
	for _, t := range m.Inputs {
		in[t.Name] = graphir.FromFloats(t.Shape, t.Data)
	}
	return &oursSession{e: ex, g: g, inputs: in}, nil
}

func TestRun_CompareLayers(t *testing.T) {
	eng := &refEngine{}
	RegisterEngine(eng)
	model := sharedModel(t, "resnet18_tiny")
	res, err := Run(context.Background(), Config{
		Model: model, Threads: 1, Layers: true, Compare: "ref-test",
		Plan: Plan{Warmup: 1, Runs: 2}, PeakTime: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	g, err := importer.LoadFile(model, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	convs := 0
	for _, n := range g.Nodes {
		if n.Op == graphir.OpConv {
			convs++
		}
	}
	if len(res.Items) != 1+convs {
		t.Fatalf("%d items, want the model and %d convs", len(res.Items), convs)
	}
	if res.Items[0].Kind != "model" || res.Items[0].FLOPs != g.Totals().FLOPs || eng.opened[0].Path != model {
		t.Fatalf("headline %+v: want the whole model from its file", res.Items[0])
	}
	for i, it := range res.Items {
		if it.Ours.N != 2 || it.Theirs.N != 2 {
			t.Errorf("%s: %d and %d runs, want 2", it.Name, it.Ours.N, it.Theirs.N)
		}
		if !(it.MaxErr >= 0 && it.MaxErr < 1e-4) {
			t.Errorf("%s: max error %g between ours and the exported model", it.Name, it.MaxErr)
		}
		if i > 0 && (eng.opened[i].Path != "" || len(eng.opened[i].ONNX) == 0) {
			t.Errorf("%s: conv layer not handed over as exported ONNX", it.Name)
		}
	}
	var b bytes.Buffer
	if err := res.Format(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if !regexp.MustCompile(`^speed vs ref-test: [0-9]+\.[0-9]{2}$`).MatchString(lines[len(lines)-1]) {
		t.Fatalf("last line %q", lines[len(lines)-1])
	}
	if !strings.Contains(b.String(), "convs alone:") {
		t.Fatalf("no layers summary:\n%s", b.String())
	}
}

func TestRun_ConvsOnly(t *testing.T) {
	RegisterEngine(&refEngine{})
	for _, name := range []string{"vgg16_slim", "mobilenet_v2_w050", "resnet18_tiny"} {
		t.Run(name, func(t *testing.T) {
			res, err := Run(context.Background(), Config{
				Model: sharedModel(t, name), Threads: 1, ConvsOnly: true, Compare: "ref-test",
				Plan: Plan{Runs: 1}, PeakTime: 1,
			})
			if err != nil {
				t.Fatal(err)
			}
			it := res.Items[0]
			if it.Kind != "conv stack" || !(it.MaxErr >= 0 && it.MaxErr < 1e-4) {
				t.Fatalf("%+v", it)
			}
		})
	}
}

func TestRun_OursOnlyAndErrors(t *testing.T) {
	model := sharedModel(t, "resnet18_tiny")
	res, err := Run(context.Background(), Config{Model: model, Plan: Plan{Runs: 1}, PeakTime: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Engine != "" || res.Items[0].Theirs.N != 0 || res.Threads < 1 {
		t.Fatalf("ours only: %+v", res)
	}
	var b bytes.Buffer
	res.Format(&b)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if !strings.HasPrefix(lines[len(lines)-1], "ours: ") {
		t.Fatalf("last line %q", lines[len(lines)-1])
	}

	_, err = Run(context.Background(), Config{Model: model, Compare: "ort", Plan: Plan{Runs: 1}})
	if err == nil || !strings.Contains(err.Error(), "make bench-deps") || !strings.Contains(err.Error(), "bin/edgectl-ort") {
		t.Fatalf("--compare ort without the engine: %v", err)
	}
	_, err = Run(context.Background(), Config{Model: model, Compare: "nope", Plan: Plan{Runs: 1}})
	if err == nil || !strings.Contains(err.Error(), "engine nope is unknown") {
		t.Fatalf("--compare nope: %v", err)
	}
}
