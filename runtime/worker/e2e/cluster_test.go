package e2e_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/runtime/worker/coord"
	"github.com/edgectl/edgectl/runtime/worker/internal/testutil"
)

// clusterFile writes a cluster file (from `cluster example`) whose devices
// dev-0, dev-1, ... are the workers of l, with the token in a file beside
// it, and returns its path.
func clusterFile(t *testing.T, l *coord.Local) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "cluster.yaml")
	if code, stdout, stderr := edgectl(t, "cluster", "example", "--devices", "2", "-o", path); code != 0 {
		t.Fatalf("cluster example: exit %d\n%s%s", code, stdout, stderr)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for i, w := range l.Workers {
		s = strings.Replace(s, "address: 127.0.0.1:"+[]string{"7070", "7071"}[i], "address: "+w.Addr, 1)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(l.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// planFile writes a SimplePlan of squeezenet for devices named by rename
// of worker-0 and worker-1.
func planFile(t *testing.T, rename func(string) string) string {
	t.Helper()
	g, _ := testutil.Model(t, "squeezenet1_1")
	plan, err := planner.SimplePlan(g, 2, planner.Grid{Rows: 2, Cols: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range plan.Stages {
		for j, d := range plan.Stages[i].Split.Devices {
			plan.Stages[i].Split.Devices[j] = rename(d)
		}
	}
	pf := filepath.Join(t.TempDir(), "plan.json")
	b, _ := plan.Encode()
	if err := os.WriteFile(pf, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return pf
}

func squeezenet(t *testing.T) (model, input string) {
	dir := filepath.Join(testutil.Shared(t), "models", "squeezenet1_1")
	return filepath.Join(dir, "model.onnx"), filepath.Join(dir, "test_data_set_0", "input_0.pb")
}

// `run --plan P --cluster C` finds each plan device's worker at its
// address in the cluster file and the token in the file its auth section
// names; devices the file lacks are errors that name them and the file.
func TestCLI_RunCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two workers")
	}
	l := local(t, 2, nil)
	cf := clusterFile(t, l)
	model, in := squeezenet(t)
	t.Setenv("EDGECTL_TOKEN", "")
	pf := planFile(t, func(d string) string { return strings.Replace(d, "worker-", "dev-", 1) })
	code, stdout, stderr := edgectl(t, "run", model, "--plan", pf, "--cluster", cf, "-i", in, "--check")
	if code != 0 || !strings.Contains(stdout, "against one device: ok") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	bad := planFile(t, func(d string) string { return strings.Replace(d, "worker-", "board-", 1) })
	code, _, stderr = edgectl(t, "run", model, "--plan", bad, "--cluster", cf, "-i", in)
	if code != 1 || !strings.Contains(stderr, cf+`: device "board-0" is not in the cluster (devices: dev-0, dev-1)`) ||
		!strings.Contains(stderr, `device "board-1"`) {
		t.Errorf("unknown devices: exit %d, %s", code, stderr)
	}
	os.Remove(filepath.Join(filepath.Dir(cf), "token"))
	code, _, stderr = edgectl(t, "run", model, "--plan", pf, "--cluster", cf, "-i", in)
	if code != 1 || !strings.Contains(stderr, cf+": auth.tokenFile: token file:") {
		t.Errorf("missing token file: exit %d, %s", code, stderr)
	}
	for _, args := range [][]string{{"--local", "2"}, {"--worker", "h:1"}} {
		code, _, stderr = edgectl(t, append([]string{"run", model, "--plan", pf, "--cluster", cf, "-i", in}, args...)...)
		if code != 1 || !strings.Contains(stderr, "--cluster says where the workers are") {
			t.Errorf("%v: exit %d, %s", args, code, stderr)
		}
	}
}

// `run --plan P --local N` runs a plan whose devices are not named
// worker-i: coord.DeviceMap gives them the local workers in order.
func TestCLI_RunPlanLocalNamedDevices(t *testing.T) {
	t.Setenv("EDGECTL_E2E_CHILD", "1") // the workers it starts are this binary
	model, in := squeezenet(t)
	pf := planFile(t, func(d string) string { return map[string]string{"worker-0": "jetson", "worker-1": "pi-4b"}[d] })
	code, stdout, stderr := edgectl(t, "run", model, "--plan", pf, "--local", "2", "-i", in, "--check")
	if code != 0 || !strings.Contains(stdout, "against one device: ok") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
}

// `netprobe --cluster C --write` measures the two workers' links and the
// coordinator's, prints them and writes them into the file, keeping its
// comments.
func TestCLI_Netprobe(t *testing.T) {
	l := local(t, 2, nil)
	cf := clusterFile(t, l)
	t.Setenv("EDGECTL_TOKEN", "")
	code, stdout, stderr := edgectl(t, "netprobe", "--cluster", cf, "--write", "--sizes", "0,16Ki,4Mi", "--repeats", "2")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, w := range []string{"from", "Mbit/s", "dev-0        dev-1", "dev-1        dev-0", "coordinator  dev-0", "coordinator  dev-1", "wrote the network"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("output lacks %q:\n%s", w, stdout)
		}
	}
	if !strings.Contains(stderr, "measuring dev-0 -> dev-1 (1/4)") {
		t.Errorf("no progress: %s", stderr)
	}
	c, err := cluster.Load(cf)
	if err != nil {
		t.Fatal(err)
	}
	if c.Network.Bandwidth == 100e6 || c.Network.RTT == 0 {
		t.Errorf("network not written: %+v", c.Network)
	}
	data, _ := os.ReadFile(cf)
	for _, w := range []string{"# The addresses are placeholders", "# " + cluster.NotePrefix + " on "} {
		if !strings.Contains(string(data), w) {
			t.Errorf("file lacks %q:\n%s", w, data)
		}
	}
	// Addresses and a token file instead: the table only.
	tf := filepath.Join(filepath.Dir(cf), "token")
	code, stdout, stderr = edgectl(t, "netprobe", l.Workers[0].Addr, l.Workers[1].Addr, "--token-file", tf, "--sizes", "0,16Ki,4Mi", "--repeats", "3")
	if code != 0 || !regexp.MustCompile(`(?m)^coordinator +`+regexp.QuoteMeta(l.Workers[1].Addr)+` `).MatchString(stdout) {
		t.Errorf("addresses: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestCLI_NetprobeErrors(t *testing.T) {
	dir := t.TempDir()
	cf := filepath.Join(dir, "c.yaml")
	os.WriteFile(cf, []byte("apiVersion: edgectl.dev/v1alpha1\nkind: Cluster\nclasses: [{name: a}]\ndevices: [{name: d, class: a, nodeSelector: {x: y}}]\nnetwork: {bandwidth: 1mbit}\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "give --cluster FILE or worker addresses"},
		{[]string{"--cluster", cf, "h:1"}, "give --cluster FILE or worker addresses"},
		{[]string{"h:1", "--write"}, "--write and -o edit a cluster file"},
		{[]string{"--cluster", cf, "--write", "-o", "x"}, "exclude each other"},
		{[]string{"--cluster", cf}, cf + `: device "d" has no address`},
		{[]string{"--cluster", filepath.Join(dir, "none.yaml")}, "no such file"},
		{[]string{"h:1", "--sizes", "1k,2q"}, `--sizes: "2q"`},
		{[]string{"h:1", "--repeats", "0"}, "--repeats 0: want at least 1"},
	} {
		code, _, stderr := edgectl(t, append([]string{"netprobe"}, tc.args...)...)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("netprobe %v: exit %d, %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
}
