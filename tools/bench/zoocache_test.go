package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/importer"
)

func TestResolveModel(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "m.onnx")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, tc := range []struct {
		name, arg, want, err string
	}{
		{"existing file", file, file, ""},
		{"directory", dir, "", "is a directory"},
		{"unknown", "no-such-model", "", "not a zoo model (zoo models: densenet121, mobilenet_v2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveModel(tc.arg, dir, nil)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// A zoo name is generated into the cache folder once, then reused.
func TestResolveModel_ZooName(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 14 MB model")
	}
	dir := filepath.Join(t.TempDir(), "zoo")
	var log bytes.Buffer
	path, err := ResolveModel("mobilenet_v2", dir, &log)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, "mobilenet_v2.onnx") || !strings.Contains(log.String(), "generating zoo model mobilenet_v2") {
		t.Fatalf("path %q, log %q", path, log.String())
	}
	if _, err := importer.LoadFile(path, importer.Options{}); err != nil {
		t.Fatalf("generated model does not import: %v", err)
	}
	st, _ := os.Stat(path)
	log.Reset()
	again, err := ResolveModel("mobilenet_v2", dir, &log)
	if err != nil || again != path || log.Len() != 0 {
		t.Fatalf("second use: %q, %v, log %q; want the cached file, silently", again, err, log.String())
	}
	if st2, _ := os.Stat(path); !st2.ModTime().Equal(st.ModTime()) {
		t.Fatal("cached model was rewritten")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("cache folder holds %d entries, want only the model (no temporary files)", len(entries))
	}
}
