//go:build podman

package image_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/edgectl/edgectl/cli/app"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/runtime/verify"
)

// The image really runs: built by `edgectl image build --load` from this
// checkout (both platforms; podman keeps this machine's), started as
// containers, and a 2-device plan of a real model is run through two of
// them by `edgectl run --check`, which must match one device and the
// model's reference output. make test-image runs it:
//
//	CONTAINERS_CONF=$PWD/kube/image/testdata/containers.conf go test -tags podman -run TestPodman ./kube/image/
//
// The two workers share one network namespace (the second joins the
// first's): the coordinator tells each worker the others' addresses, so an
// address must mean the same worker on the host and in every container;
// in the shared namespace 127.0.0.1:P reaches the worker listening on P,
// and P is published on the host's 127.0.0.1 with the same number.
func TestPodman_TwoWorkers(t *testing.T) {
	pm := requirePodman(t)
	ctx, cancel := context.WithCancel(context.Background())
	if d, ok := t.Deadline(); ok {
		ctx, cancel = context.WithDeadline(context.Background(), d.Add(-time.Minute))
	}
	defer cancel()
	id := randomID()
	tag := "localhost/edgectl-test-" + id + ":test"
	tmp := t.TempDir()
	token := strings.ToLower(randomID() + randomID())
	tokenFile := filepath.Join(tmp, "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o644); err != nil { // read by uid 65532
		t.Fatal(err)
	}
	pm.env = []string{"EDGECTL_TOKEN=" + token} // passed on with -e EDGECTL_TOKEN, never in arguments

	// Build and load; the image is removed at the end (only this tag: an
	// image with other names keeps them).
	pm.cleanup("rmi", "-f", "--ignore", tag)
	var progress bytes.Buffer
	if code := app.Run(ctx, []string{"edgectl", "image", "build", "--platform", "linux/amd64,linux/arm64",
		"-o", filepath.Join(tmp, "image.tar"), "--tag", tag, "--load"}, &progress, &progress); code != 0 {
		t.Fatalf("image build: exit %d\n%s", code, progress.String())
	}
	t.Logf("image build:\n%s", progress.String())
	checkLoaded(t, pm.run(ctx, "image", "inspect", tag))

	// The default arguments: a worker on every interface, port 7070.
	def := "edgectl-test-" + id + "-default"
	pm.start(ctx, def, "-e", "EDGECTL_TOKEN", "-p", "127.0.0.1::7070", tag)
	waitServing(ctx, t, strings.TrimSpace(pm.run(ctx, "port", def, "7070/tcp")))
	if who := strings.Fields(pm.run(ctx, "top", def, "user", "group")); len(who) != 4 || who[2] != "edgectl" || who[3] != "edgectl" {
		t.Errorf("podman top %s user group: %q, want the worker running as edgectl:edgectl", def, who)
	}

	// Two workers: worker-0 with the token in the environment and the
	// image's data directory, worker-1 with a token file and /tmp.
	ports := freePorts(t, 2)
	w0, w1 := "edgectl-test-"+id+"-w0", "edgectl-test-"+id+"-w1"
	pm.start(ctx, w0, "-e", "EDGECTL_TOKEN",
		"-p", fmt.Sprintf("127.0.0.1:%d:%d", ports[0], ports[0]), "-p", fmt.Sprintf("127.0.0.1:%d:%d", ports[1], ports[1]),
		tag, "worker", "--listen", fmt.Sprintf("0.0.0.0:%d", ports[0]), "--data-dir", "/var/lib/edgectl")
	pm.start(ctx, w1, "--network", "container:"+w0, "-v", tokenFile+":/run/secrets/edgectl-token:ro",
		tag, "worker", "--listen", fmt.Sprintf("0.0.0.0:%d", ports[1]), "--data-dir", "/tmp", "--token-file", "/run/secrets/edgectl-token")

	model := filepath.Join(sharedDir(t), "models", "resnet18_tiny")
	plan := twoDevicePlan(t, filepath.Join(model, "model.onnx"), filepath.Join(tmp, "plan.json"))
	out := filepath.Join(tmp, "y.pb")
	var stdout, stderr bytes.Buffer
	code := app.Run(ctx, []string{"edgectl", "run", filepath.Join(model, "model.onnx"), "--plan", plan,
		"--worker", fmt.Sprintf("worker-0=127.0.0.1:%d", ports[0]), "--worker", fmt.Sprintf("worker-1=127.0.0.1:%d", ports[1]),
		"--token-file", tokenFile, "-i", filepath.Join(model, "test_data_set_0", "input_0.pb"), "-o", out, "--check"}, &stdout, &stderr)
	t.Logf("edgectl run:\n%s%s", stdout.String(), stderr.String())
	if code != 0 || !strings.Contains(stdout.String(), "against one device: ok") {
		t.Fatalf("edgectl run through the containers: exit %d, no \"against one device: ok\"\nworker-0:\n%s\nworker-1:\n%s",
			code, pm.logs(ctx, w0), pm.logs(ctx, w1))
	}
	got, _, err := importer.ReadTensorFile(out)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := verify.LoadOutputs(filepath.Join(model, "test_data_set_0"))
	if err != nil {
		t.Fatal(err)
	}
	if o := verify.Compare("output", got, ref[0]); !o.OK {
		t.Errorf("output differs from the model's reference: max abs %g, max rel %g", o.MaxAbs, o.MaxRel)
	}
	for _, w := range []string{w0, w1} {
		if logs := pm.logs(ctx, w); !strings.Contains(logs, "model stored") {
			t.Errorf("container %s never received the model:\n%s", w, logs)
		}
	}
}

// checkLoaded checks the loaded image's config as podman reads it.
func checkLoaded(t *testing.T, inspect string) {
	t.Helper()
	var imgs []struct {
		Architecture string
		Config       struct {
			User       string
			Entrypoint []string
			Cmd        []string
			WorkingDir string
			Labels     map[string]string
		}
	}
	if err := json.Unmarshal([]byte(inspect), &imgs); err != nil || len(imgs) != 1 {
		t.Fatalf("podman image inspect: %v\n%s", err, inspect)
	}
	c := imgs[0].Config
	if imgs[0].Architecture != goruntime.GOARCH || c.User != "65532:65532" || len(c.Entrypoint) != 1 || c.Entrypoint[0] != "/usr/local/bin/edgectl" ||
		c.WorkingDir != "/var/lib/edgectl" || c.Labels["org.opencontainers.image.source"] == "" || len(c.Cmd) == 0 || c.Cmd[0] != "worker" {
		t.Errorf("loaded image: arch %s, config %+v", imgs[0].Architecture, c)
	}
}

// twoDevicePlan writes the simple plan of the model for worker-0 and
// worker-1 (fused blocks cut into 2x1 tiles, one per worker) and checks
// that both devices have work.
func twoDevicePlan(t *testing.T, model, path string) string {
	t.Helper()
	g, err := importer.LoadFile(model, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := planner.SimplePlan(g, 2, planner.Grid{Rows: 2, Cols: 1})
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, s := range p.Stages {
		for _, d := range s.Split.Devices {
			used[d] = true
		}
	}
	if !used["worker-0"] || !used["worker-1"] {
		t.Fatalf("the plan does not use both workers: %v", used)
	}
	data, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sharedDir is $EDGECTL_SHARED or the shared folder beside the checkout.
func sharedDir(t *testing.T) string {
	if d := os.Getenv("EDGECTL_SHARED"); d != "" {
		return d
	}
	d, err := filepath.Abs(filepath.Join("..", "..", "..", "shared"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}
