package importer

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the whole import (decode, build,
// infer, fold) without the panic guard of Decode: any panic is a bug.
// Seeds: the reference models and the operator conformance models.
//
//	go test ./importer -run '^$' -fuzz FuzzDecode -fuzztime 5m
func FuzzDecode(f *testing.F) {
	shared := os.Getenv("EDGECTL_SHARED")
	if shared == "" {
		shared = "../../shared"
	}
	seeds, _ := filepath.Glob(filepath.Join(shared, "models", "*", "model.onnx"))
	nodes, _ := filepath.Glob(filepath.Join(shared, "onnx-node-tests", "test_*", "model.onnx"))
	seeds = append(seeds, nodes...)
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
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
