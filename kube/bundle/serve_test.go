package bundle_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/edgectl/edgectl/cli/app"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/internal/testenv"
	"github.com/edgectl/edgectl/kube/bundle/bundletest"
	"github.com/edgectl/edgectl/runtime/verify"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// The coordinator of a deployed bundle (bundle serve) opens the plan on
// workers started from their shards and answers /v1/infer with the
// reference output.
func TestCLI_BundleServe(t *testing.T) {
	f := bundletest.Make(t, "resnet18_tiny", 3)
	bundlePath := filepath.Join(f.Dir, "app.tar")
	if code, _, stderr := edgectl(t, "bundle", f.Model, "--plan", f.Plan, "--cluster", f.Cluster, "-o", bundlePath); code != 0 {
		t.Fatal(stderr)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	l, err := coord.StartLocal(context.Background(), coord.LocalOptions{Workers: 3, Env: []string{childEnv + "=1"},
		Command: func(w coord.WorkerLaunch) *exec.Cmd {
			return exec.Command(exe, "worker", "--listen", w.Listen, "--data-dir", w.DataDir, "--bundle", bundlePath,
				"--device", fmt.Sprintf("dev-%d", w.Index))
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t.Setenv("EDGECTL_TOKEN", l.Token)
	args := []string{"edgectl", "bundle", "serve", bundlePath, "--listen", "127.0.0.1:0"}
	for i, w := range l.Cluster.Workers {
		args = append(args, "--worker", fmt.Sprintf("dev-%d=%s", i, w.Addr))
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out, logs lockedBuffer
	var wg sync.WaitGroup
	wg.Go(func() { app.Run(ctx, args, &out, &logs) })
	defer func() { cancel(); wg.Wait() }()

	addrRE := regexp.MustCompile(`serving on (http://\S+)`)
	base := ""
	until(t, "the coordinator to listen", func() bool {
		if m := addrRE.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
		return base != ""
	})
	until(t, "the session to open", func() bool {
		r, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		r.Body.Close()
		return r.StatusCode == http.StatusOK
	})
	in, err := os.ReadFile(f.Input)
	if err != nil {
		t.Fatal(err)
	}
	r, err := http.Post(base+"/v1/infer", "application/x-protobuf", bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("infer: %s: %s\n%s", r.Status, body, logs.String())
	}
	got, _, err := importer.DecodeTensor(body)
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := importer.ReadTensorFile(testenv.SharedPath(t, "models", "resnet18_tiny", "test_data_set_0", "output_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	if o := verify.Compare("output", got, want); !o.OK {
		t.Fatalf("served output differs from the reference: max abs %g", o.MaxAbs)
	}
}

func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
