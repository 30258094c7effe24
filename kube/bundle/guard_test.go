package bundle_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/kube/bundle/bundletest"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// A worker holding one device's shard refuses tiles of another device's
// stages, naming the weight it lacks, rather than compute with zeros.
func TestWorker_RefusesTilesOutsideItsShard(t *testing.T) {
	f := bundletest.Make(t, "resnet18_tiny", 2)
	path := filepath.Join(f.Dir, "app.tar")
	if code, _, stderr := edgectl(t, "bundle", f.Model, "--plan", f.Plan, "--cluster", f.Cluster, "-o", path); code != 0 {
		t.Fatal(stderr)
	}
	exe, _ := os.Executable()
	// Worker 0 holds dev-1's shard, worker 1 dev-0's: swapped.
	l, err := coord.StartLocal(context.Background(), coord.LocalOptions{Workers: 2, Env: []string{childEnv + "=1"},
		Command: func(w coord.WorkerLaunch) *exec.Cmd {
			return exec.Command(exe, "worker", "--listen", w.Listen, "--data-dir", w.DataDir, "--bundle", path,
				"--device", []string{"dev-1", "dev-0"}[w.Index])
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	b := open(t, path)
	dir := t.TempDir()
	s, err := b.PlaceModel("", dir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := importer.LoadFile(filepath.Join(dir, "models", s.Model), importer.Options{SkipConst: func(n string) bool { return !s.Has(n) }})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := b.ReadFile("plan.yaml")
	plan, err := graphir.DecodePlan(data)
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Cluster.Open(context.Background(), g, plan, coord.Options{Model: s.Model, Devices: map[string]int{"dev-0": 0, "dev-1": 1}})
	if err == nil || !strings.Contains(err.Error(), "which the bundle shard of device") {
		t.Fatalf("swapped shards: got %v", err)
	}
	t.Log(err)
}
