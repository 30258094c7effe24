package importer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/edgectl/edgectl/internal/testenv"
)

// FuzzDecode feeds arbitrary bytes to the whole import (decode, build,
// infer, fold) without the panic guard of Decode: any panic is a bug.
// Seeds: the reference models and the operator conformance models.
//
//	go test ./importer -run '^$' -fuzz FuzzDecode -fuzztime 5m
func FuzzDecode(f *testing.F) {
	shared := testenv.Shared(f)
	seeds, err := filepath.Glob(filepath.Join(shared, "models", "*", "model.onnx"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seed models under %s/models (%v)", shared, err)
	}
	nodes, err := filepath.Glob(filepath.Join(shared, "onnx-node-tests", "test_*", "model.onnx"))
	if err != nil || len(nodes) == 0 {
		f.Fatalf("no seed models under %s/onnx-node-tests (%v)", shared, err)
	}
	for _, p := range append(seeds, nodes...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(convBNRelu().bytes(f))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := decodeModel(b)
		if err != nil {
			return
		}
		g, err := build(d, "", Options{})
		if err != nil {
			return
		}
		_ = finish(g, Options{})
	})
}
