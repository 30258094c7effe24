package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgectl/edgectl/cli/app"
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/runtime/verify"
	"github.com/edgectl/edgectl/runtime/worker/coord"
	"github.com/edgectl/edgectl/runtime/worker/internal/testutil"
)

func edgectl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var o, e bytes.Buffer
	code := app.Run(ctx, append([]string{"edgectl"}, args...), &o, &e)
	return code, o.String(), e.String()
}

// `edgectl run --local 2` re-executes this binary as two workers, runs
// three frames through the pipeline, writes the output and a trace, and
// matches the single-device run.
func TestCLI_RunLocal(t *testing.T) {
	t.Setenv("EDGECTL_E2E_CHILD", "1") // the workers it starts are this binary
	dir := filepath.Join(testutil.Shared(t), "models", "resnet18_tiny")
	tmp := t.TempDir()
	out, trace := filepath.Join(tmp, "y.pb"), filepath.Join(tmp, "trace.json")
	code, stdout, stderr := edgectl(t, "run", filepath.Join(dir, "model.onnx"), "--local", "2", "--grid", "2x1",
		"-i", filepath.Join(dir, "test_data_set_0", "input_0.pb"), "-o", out, "--frames", "3", "--trace", trace, "--check")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"-> " + out, "time/frame", "latency: mean", "throughput:", "against one device: ok"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	got, _, err := importer.ReadTensorFile(out)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := verify.LoadOutputs(filepath.Join(dir, "test_data_set_0"))
	if err != nil {
		t.Fatal(err)
	}
	if o := verify.Compare("out", got, ref[0]); !o.OK {
		t.Errorf("output differs from the reference: max rel %g", o.MaxRel)
	}
	checkTrace(t, trace, 2)
}

// checkTrace parses a trace file: the trace-event JSON object format, with
// compute, send and wait spans on every worker.
func checkTrace(t *testing.T, path string, workers int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		TraceEvents []struct {
			Name string         `json:"name"`
			Ph   string         `json:"ph"`
			Ts   *float64       `json:"ts"`
			Dur  float64        `json:"dur"`
			Pid  *int           `json:"pid"`
			Tid  *int           `json:"tid"`
			Args map[string]any `json:"args"`
		} `json:"traceEvents"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("trace is not JSON: %v", err)
	}
	seen := map[[2]any]bool{}
	for _, e := range doc.TraceEvents {
		if e.Pid == nil || e.Tid == nil || e.Ph == "" || e.Name == "" {
			t.Fatalf("event lacks name, ph, pid or tid: %+v", e)
		}
		if e.Ph == "X" {
			if e.Ts == nil || e.Dur < 0 || e.Args["frame"] == nil {
				t.Fatalf("span lacks ts, dur or args.frame: %+v", e)
			}
			seen[[2]any{*e.Pid, e.Name}] = true
		}
	}
	for w := 1; w <= workers; w++ {
		for _, name := range []string{"compute", "send", "wait"} {
			if !seen[[2]any{w, name}] {
				t.Errorf("no %q span for worker %d", name, w-1)
			}
		}
	}
}

func TestCLI_RunErrors(t *testing.T) {
	dir := filepath.Join(testutil.Shared(t), "models", "squeezenet1_1")
	model, in := filepath.Join(dir, "model.onnx"), filepath.Join(dir, "test_data_set_0", "input_0.pb")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", model, "-i", in}, "give --local N or --plan FILE"},
		{[]string{"run", model, "-i", in, "--local", "2", "--grid", "2by2"}, "want RxC"},
		{[]string{"run", model, "-i", in, "--local", "2", "--frames", "0"}, "want at least 1"},
		{[]string{"run", model, "-i", in, "-i", in, "--local", "2"}, "has 1 inputs, 2 --input files given"},
		{[]string{"run", model, "-i", in, "--plan", "/nonexistent/plan.json"}, "no such file"},
		{[]string{"worker", "--listen", "127.0.0.1:0"}, "refusing to serve without authentication"},
		{[]string{"worker", "--token", "short"}, "at least 16"},
	}
	t.Setenv("EDGECTL_TOKEN", "")
	for _, tc := range cases {
		code, stdout, stderr := edgectl(t, tc.args...)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("edgectl %v: exit %d, stderr %q, want 1 and %q\n%s", tc.args, code, stderr, tc.want, stdout)
		}
	}
}

// `edgectl run --plan FILE --worker ADDR...` runs a plan file on workers
// started separately (here with `edgectl worker`, token from a file).
func TestCLI_RunPlanOnRemoteWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two workers by hand")
	}
	l := local(t, 2, nil)
	dir := filepath.Join(testutil.Shared(t), "models", "squeezenet1_1")
	g, _ := testutil.Model(t, "squeezenet1_1")
	plan, err := planner.SimplePlan(g, 2, planner.Grid{Rows: 2, Cols: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Rename the devices, to be mapped by --worker DEVICE=ADDR.
	for i := range plan.Stages {
		for j, d := range plan.Stages[i].Split.Devices {
			plan.Stages[i].Split.Devices[j] = strings.Replace(d, "worker-", "board-", 1)
		}
	}
	tmp := t.TempDir()
	pf, tf := filepath.Join(tmp, "plan.json"), filepath.Join(tmp, "token")
	b, _ := plan.Encode()
	os.WriteFile(pf, b, 0o644)
	os.WriteFile(tf, []byte(l.Token+"\n"), 0o600)
	code, stdout, stderr := edgectl(t, "run", filepath.Join(dir, "model.onnx"), "--plan", pf, "--token-file", tf,
		"--worker", "board-0="+l.Workers[0].Addr, "--worker", "board-1="+l.Workers[1].Addr,
		"-i", filepath.Join(dir, "test_data_set_0", "input_0.pb"), "--check")
	if code != 0 || !strings.Contains(stdout, "against one device: ok") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	// The same without the token is refused.
	t.Setenv("EDGECTL_TOKEN", "")
	code, _, stderr = edgectl(t, "run", filepath.Join(dir, "model.onnx"), "--plan", pf,
		"--worker", "board-0="+l.Workers[0].Addr, "--worker", "board-1="+l.Workers[1].Addr,
		"-i", filepath.Join(dir, "test_data_set_0", "input_0.pb"))
	if code != 1 || !strings.Contains(stderr, "Unauthenticated") {
		t.Fatalf("without token: exit %d, %s", code, stderr)
	}
}

// coord.Runner plugs local workers into verify.Dir: the reference models
// match through 3 worker processes (one session per model, workers
// started once).
func TestRunner_Verify(t *testing.T) {
	run, stop := coord.Runner(coord.RunnerOptions{
		Provider: localWorkers(t), Devices: 3,
		Planner: func(g *graphir.Graph, n int) (*graphir.Plan, error) {
			return planner.SimplePlan(g, n, planner.Grid{Rows: 2, Cols: 2})
		},
	})
	defer stop()
	models := []string{"squeezenet1_1", "resnet18_tiny", "yolov2_tiny_slim"}
	if testing.Short() {
		models = models[:2]
	}
	for _, m := range models {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		res, err := verify.Dir(ctx, filepath.Join(testutil.Shared(t), "models", m), run)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if !res.OK() {
			t.Errorf("%s:\n%s", m, res.Format())
		}
	}
}

// An interrupted `edgectl run --local` kills its workers before it returns.
func TestCLI_RunInterruptedKillsWorkers(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	l := local(t, 1, nil) // the check below sees a running worker
	if kids := workerChildren(t); len(kids) != 1 {
		t.Fatalf("found %d worker children, want 1: %v", len(kids), kids)
	}
	l.Close()
	t.Setenv("EDGECTL_E2E_CHILD", "1")
	dir := filepath.Join(testutil.Shared(t), "models", "squeezenet1_1")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(1500*time.Millisecond, cancel)
	var o, e bytes.Buffer
	code := app.Run(ctx, []string{"edgectl", "run", filepath.Join(dir, "model.onnx"), "--local", "3", "--grid", "3x1",
		"-i", filepath.Join(dir, "test_data_set_0", "input_0.pb"), "--frames", "100000"}, &o, &e)
	if code != 1 || !strings.Contains(e.String(), "context canceled") {
		t.Fatalf("exit %d, stderr %q: want 1 and context canceled", code, e.String())
	}
	if kids := workerChildren(t); len(kids) > 0 {
		t.Fatalf("worker processes left running: %v", kids)
	}
}

// workerChildren lists this process's children running `worker`.
func workerChildren(t *testing.T) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	me := fmt.Sprint(os.Getpid())
	for _, d := range entries {
		stat, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: the comm may hold spaces, so split after ")".
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 || f[1] != me {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if strings.Contains(string(cmd), "worker") {
			out = append(out, d.Name()+" "+strings.ReplaceAll(string(cmd), "\x00", " "))
		}
	}
	return out
}

// `edgectl run --local 3` plans with the planner (this machine's profile:
// testdata/profile.yaml through $EDGECTL_PROFILE), runs the plan, prints
// each stage's predicted time beside the measured one and matches the
// single-device run; --window 1 keeps one frame in flight.
func TestCLI_RunLocalPlanned(t *testing.T) {
	t.Setenv("EDGECTL_E2E_CHILD", "1")
	prof, err := filepath.Abs(filepath.Join("testdata", "profile.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("EDGECTL_PROFILE", prof)
	dir := filepath.Join(testutil.Shared(t), "models", "vgg16_slim")
	code, stdout, stderr := edgectl(t, "run", filepath.Join(dir, "model.onnx"), "--local", "3", "--threads", "1",
		"-i", filepath.Join(dir, "test_data_set_0", "input_0.pb"), "--frames", "2", "--window", "1", "--check")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"planned in", "predicted ms", "measured/predicted", "latency: predicted", "against one device: ok"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}
