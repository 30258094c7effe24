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
// stages, or of another device's slice of a channel-split layer, naming
// the weight it lacks, rather than compute with zeros.
func TestWorker_RefusesTilesOutsideItsShard(t *testing.T) {
	for _, c := range []struct {
		name    string
		files   func(t *testing.T) bundletest.Files
		swapped []string // the shards the workers of devices (a, b) hold: b's and a's
		devices map[string]int
		want    string
	}{
		{"stages", func(t *testing.T) bundletest.Files { return bundletest.Make(t, "resnet18_tiny", 2) },
			[]string{"dev-1", "dev-0"}, map[string]int{"dev-0": 0, "dev-1": 1}, "which the bundle shard of device"},
		{"channel slices", func(t *testing.T) bundletest.Files { return bundletest.MakeChannelSplit(t, "resnet18_tiny") },
			[]string{"dev-0", "dev-2", "dev-1"}, map[string]int{"dev-0": 0, "dev-1": 1, "dev-2": 2}, "its slice (bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := c.files(t)
			path := filepath.Join(f.Dir, "app.tar")
			if code, _, stderr := edgectl(t, "bundle", f.Model, "--plan", f.Plan, "--cluster", f.Cluster, "-o", path); code != 0 {
				t.Fatal(stderr)
			}
			exe, _ := os.Executable()
			l, err := coord.StartLocal(context.Background(), coord.LocalOptions{Workers: len(c.swapped), Env: []string{childEnv + "=1"},
				Command: func(w coord.WorkerLaunch) *exec.Cmd {
					return exec.Command(exe, "worker", "--listen", w.Listen, "--data-dir", w.DataDir, "--bundle", path,
						"--device", c.swapped[w.Index])
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
			g, err := importer.LoadFile(filepath.Join(dir, "models", s.Model), importer.Options{SkipConst: func(n string) bool { return !s.Has(n, nil) }})
			if err != nil {
				t.Fatal(err)
			}
			data, _ := b.ReadFile("plan.yaml")
			plan, err := graphir.DecodePlan(data)
			if err != nil {
				t.Fatal(err)
			}
			_, err = l.Cluster.Open(context.Background(), g, plan, coord.Options{Model: s.Model, Devices: c.devices})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("swapped shards: got %v", err)
			}
			t.Log(err)
		})
	}
}
