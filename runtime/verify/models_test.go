package verify_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/internal/testenv"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/verify"
)

func modelDirs(t *testing.T) []string {
	root := testenv.SharedPath(t, "models")
	dirs, err := filepath.Glob(filepath.Join(root, "*", "model.onnx"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no reference models under %s (%v)", root, err)
	}
	for i := range dirs {
		dirs[i] = filepath.Dir(dirs[i])
	}
	return dirs
}

// TestReferenceModels runs every model in shared/models and checks every
// output against ONNX Runtime's: max|ours-ref| <= 1e-4*max(1, max|ref|).
func TestReferenceModels(t *testing.T) {
	for _, dir := range modelDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			res, err := verify.Dir(context.Background(), dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Log("\n" + res.Format())
			if !res.OK() {
				t.Errorf("outputs differ from the reference:\n%s", res.Format())
			}
		})
	}
}

// TestEdgeIRRoundTrip checks that a model written as .edgeir and read back
// computes exactly what the imported ONNX graph computes.
func TestEdgeIRRoundTrip(t *testing.T) {
	for _, dir := range modelDirs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			g, err := importer.LoadFile(filepath.Join(dir, "model.onnx"), importer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := importer.WriteEdgeIR(&buf, g); err != nil {
				t.Fatal(err)
			}
			g2, err := importer.ReadEdgeIR(bytes.NewReader(buf.Bytes()), importer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(g2.Nodes) != len(g.Nodes) || g2.Totals() != g.Totals() {
				t.Fatalf("round trip changed the graph: %d nodes %+v, want %d nodes %+v", len(g2.Nodes), g2.Totals(), len(g.Nodes), g.Totals())
			}
			inputs, _, err := verify.LoadSet(g, filepath.Join(dir, "test_data_set_0"))
			if err != nil {
				t.Fatal(err)
			}
			a := run(t, g, inputs)
			b := run(t, g2, inputs)
			for name, ta := range a {
				tb := b[name]
				if tb == nil || !ta.Shape.Equal(tb.Shape) {
					t.Fatalf("output %q missing or reshaped after round trip", name)
				}
				for i := range ta.F {
					if ta.F[i] != tb.F[i] {
						t.Fatalf("output %q differs at %d: %v vs %v", name, i, ta.F[i], tb.F[i])
					}
				}
			}
		})
	}
}

func run(t *testing.T, g *graphir.Graph, inputs map[string]*graphir.Tensor) map[string]*graphir.Tensor {
	t.Helper()
	e, err := runtime.New(g)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Run(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
