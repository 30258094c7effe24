//go:build testbed

package testbed_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/edgectl/edgectl/cli/app"
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/internal/testenv"
	"github.com/edgectl/edgectl/kube/testbed"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/runtime/verify"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// The testbed really runs: the worker image built from this checkout,
// `edgectl testbed up` with three device containers on a shaped network,
// a 3-device plan of a real model run through them by `edgectl run
// --cluster --check` (equal to one device and to the model's reference
// output), then `edgectl testbed down`, after which none of its
// containers, networks, ifb devices or qdiscs is left. Then the provider
// path: devices started through the Go API and abandoned, as a crash
// would leave them, and removed by Down. make test-testbed runs it (root,
// podman or docker, iproute2; about 5 minutes).
func TestTestbed_UpRunDown(t *testing.T) {
	requireTestbed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	tag := "localhost/edgectl-testbed-test-" + strings.ToLower(rand.Text()[:8]) + ":test"
	t.Cleanup(func() { exec.Command("podman", "rmi", "-f", "--ignore", tag).Run() })
	edgectl(ctx, t, "image", "build", "--platform", "linux/"+goruntime.GOARCH, "--tag", tag, "--load")

	dir := filepath.Join(t.TempDir(), "tb")
	t.Cleanup(func() { downIfUp(t, dir) })
	out := edgectl(ctx, t, "testbed", "up", "--dir", dir, "--devices", "3", "--cpu", "0.5", "--bandwidth", "100mbit",
		"--no-profile", "--image", tag)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	cf := lines[len(lines)-1]
	if cf != filepath.Join(dir, "cluster.yaml") {
		t.Fatalf("last line %q, want the cluster file's path", cf)
	}
	st, err := testbed.LoadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	made := snapshot(t, st)
	if len(made.containers) != 3 || !made.network || len(made.ifbs) != 1 || !strings.Contains(made.qdiscs, "htb") {
		t.Fatalf("up made %+v, want 3 containers, a network, an ifb and htb qdiscs", made)
	}

	model := testenv.SharedPath(t, "models", "resnet18_tiny")
	plan := filepath.Join(t.TempDir(), "plan.yaml")
	writePlan(t, filepath.Join(model, "model.onnx"), plan)
	y := filepath.Join(t.TempDir(), "y.pb")
	out = edgectl(ctx, t, "run", filepath.Join(model, "model.onnx"), "--plan", plan, "--cluster", cf,
		"-i", filepath.Join(model, "test_data_set_0", "input_0.pb"), "-o", y, "--check", "--frames", "3")
	if !strings.Contains(out, "against one device: ok") {
		t.Fatalf("edgectl run through the testbed: no \"against one device: ok\":\n%s", out)
	}
	got, _, err := importer.ReadTensorFile(y)
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

	edgectl(ctx, t, "testbed", "down", "--dir", dir)
	if left := snapshot(t, st); !left.empty() {
		t.Errorf("down left %+v", left)
	}

	// Devices started through the provider and abandoned are removed by
	// Down from the state file.
	tb, err := testbed.Create(ctx, testbed.Config{Dir: dir, Classes: []testbed.Class{{Name: "cpu", Count: 2, CPUs: 0.5}},
		Bandwidth: 10e6, Medium: testbed.Switched, Image: tag})
	if err != nil {
		t.Fatal(err)
	}
	f, err := tb.Provider().StartDevices(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := f.Memory(1); err != nil || m.PeakRSS <= 0 {
		t.Errorf("memory of dev-1: %+v, %v", m, err)
	}
	runOnFleet(ctx, t, f.Connected(), filepath.Join(model, "model.onnx"))
	f.Connected().Close()
	made = snapshot(t, tb.State())
	if len(made.containers) != 2 || len(made.ifbs) != 2 {
		t.Errorf("switched medium with 2 devices made %+v, want 2 containers and an ifb each", made)
	}
	if err := testbed.Down(ctx, dir, nil, nil); err != nil {
		t.Fatal(err)
	}
	if left := snapshot(t, tb.State()); !left.empty() {
		t.Errorf("down after abandoned devices left %+v", left)
	}
}

// requireTestbed needs root, ip, tc and podman: missing, the test fails
// under CI=true and skips elsewhere.
func requireTestbed(t *testing.T) {
	t.Helper()
	testenv.Tool(t, "ip", "install iproute2")
	testenv.Tool(t, "tc", "install iproute2")
	testenv.Tool(t, "podman", "make image-deps installs podman and runc")
	if os.Geteuid() != 0 {
		testenv.Missing(t, "the testbed needs root (a bridge network and tc): run make test-testbed as root")
	}
}

// edgectl runs the CLI and fails the test on a non-zero exit.
func edgectl(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := app.Run(ctx, append([]string{"edgectl"}, args...), &stdout, &stderr)
	t.Logf("edgectl %s:\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
	if code != 0 {
		t.Fatalf("edgectl %s: exit %d", args[0], code)
	}
	return stdout.String()
}

// downIfUp removes a testbed left by a failed test.
func downIfUp(t *testing.T, dir string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := testbed.Down(ctx, dir, nil, nil); err != nil && !errors.As(err, new(*testbed.NoTestbedError)) {
		t.Errorf("cleanup: %v", err)
	}
}

// made is what of a testbed exists on this host.
type made struct {
	containers []string
	network    bool
	ifbs       []string
	qdiscs     string // tc qdisc lines naming its ifbs or ports
}

func (m made) empty() bool {
	return len(m.containers) == 0 && !m.network && len(m.ifbs) == 0 && m.qdiscs == ""
}

func snapshot(t *testing.T, st *testbed.State) made {
	t.Helper()
	var m made
	out, _ := exec.Command("podman", "ps", "-a", "--filter", "label="+st.Label(), "--format", "{{.Names}}").Output()
	m.containers = strings.Fields(string(out))
	m.network = exec.Command("podman", "network", "exists", "edgectl-tb-"+st.ID).Run() == nil
	links, _ := exec.Command("ip", "-o", "link").Output()
	for _, l := range strings.Split(string(links), "\n") {
		if f := strings.Fields(l); len(f) > 1 && strings.HasPrefix(f[1], "etb"+st.ID) {
			m.ifbs = append(m.ifbs, strings.TrimSuffix(f[1], ":"))
		}
	}
	qd, _ := exec.Command("tc", "qdisc", "show").Output()
	for _, l := range strings.Split(string(qd), "\n") {
		if strings.Contains(l, "etb"+st.ID) || (st.Bridge != "" && strings.Contains(l, "dev "+st.Bridge+" ")) {
			m.qdiscs += l + "\n"
		}
	}
	return m
}

// writePlan writes the simple plan of the model over dev-0..dev-2.
func writePlan(t *testing.T, model, path string) {
	t.Helper()
	g, err := importer.LoadFile(model, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := planner.SimplePlan(g, 3, planner.Grid{Rows: 3, Cols: 1})
	if err != nil {
		t.Fatal(err)
	}
	for si := range p.Stages {
		for i, d := range p.Stages[si].Split.Devices {
			var k int
			fmt.Sscanf(d, "worker-%d", &k)
			p.Stages[si].Split.Devices[i] = testbed.DeviceName(k)
		}
	}
	data, err := p.EncodeYAML()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runOnFleet runs a 2-device plan of the model on the cluster and checks
// it against one device.
func runOnFleet(ctx context.Context, t *testing.T, cl *coord.Cluster, model string) {
	t.Helper()
	g, err := importer.LoadFile(model, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in, _, err := verify.LoadSet(g, filepath.Join(filepath.Dir(model), "test_data_set_0"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := planner.SimplePlan(g, 2, planner.Grid{Rows: 1, Cols: 2})
	if err != nil {
		t.Fatal(err)
	}
	s, err := cl.Open(ctx, g, p, coord.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	outs, _, err := s.Run(ctx, []map[string]*graphir.Tensor{in})
	if err != nil {
		t.Fatal(err)
	}
	want, err := verify.Local(ctx, g, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range g.Outputs {
		if o := verify.Compare(v.Name, outs[0][v.Name], want[v.Name]); !o.OK {
			t.Errorf("%s through the provider's devices differs from one device: max abs %g", v.Name, o.MaxAbs)
		}
	}
}
