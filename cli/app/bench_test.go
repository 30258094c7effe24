package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/tools/bench"
)

// benchRoot is edgectl with only the bench command, whatever app.go lists.
func benchRoot(stdout, stderr *bytes.Buffer, bc *cli.Command) *cli.Command {
	return &cli.Command{
		Name: "edgectl", Writer: stdout, ErrWriter: stderr,
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
		Commands:       []*cli.Command{bc},
	}
}

func runBenchCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = benchRoot(&o, &e, benchCommand()).Run(context.Background(), append([]string{"edgectl", "bench"}, args...))
	return o.String(), e.String(), err
}

func TestBench_ParseFlags(t *testing.T) {
	def := bench.DefaultPlan
	for _, tc := range []struct {
		name string
		args []string
		want benchFlags
		err  string
	}{
		{"defaults", []string{"vgg16"}, benchFlags{model: "vgg16", plan: def, seed: 1}, ""},
		{"all", []string{"m.onnx", "--threads", "2", "--layers", "--convs-only", "--compare", "ort", "--runs", "7",
			"--warmup", "1", "--budget", "3s", "--seed", "9", "--zoo-dir", "/z", "--input-shape", "x=1x3x8x8"},
			benchFlags{model: "m.onnx", threads: 2, layers: true, convsOnly: true, compare: "ort", seed: 9, zooDir: "/z",
				shapes: map[string]graphir.Shape{"x": {1, 3, 8, 8}},
				plan:   bench.Plan{Warmup: 1, Runs: 7, Budget: 3 * time.Second, MinRuns: def.MinRuns, MaxRuns: def.MaxRuns, Settle: def.Settle, Lead: def.Lead, GC: def.GC}}, ""},
		{"flags after model", []string{"vgg16", "--threads", "1", "--compare", "ort", "--convs-only"},
			benchFlags{model: "vgg16", threads: 1, compare: "ort", convsOnly: true, plan: def, seed: 1}, ""},
		{"no model", nil, benchFlags{}, "want exactly one model file or zoo name"},
		{"two models", []string{"a", "b"}, benchFlags{}, "want exactly one"},
		{"negative threads", []string{"vgg16", "--threads", "-1"}, benchFlags{}, "--threads -1"},
		{"negative runs", []string{"vgg16", "--runs", "-2"}, benchFlags{}, "--runs -2"},
		{"no budget", []string{"vgg16", "--budget", "0s"}, benchFlags{}, "--budget 0s"},
		{"bad shape", []string{"vgg16", "--input-shape", "x"}, benchFlags{}, "NAME=D0xD1x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got benchFlags
			bc := benchCommand()
			bc.Action = func(ctx context.Context, cmd *cli.Command) error {
				var err error
				got, err = parseBenchFlags(cmd)
				return err
			}
			var o, e bytes.Buffer
			err := benchRoot(&o, &e, bc).Run(context.Background(), append([]string{"edgectl", "bench"}, tc.args...))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.model != tc.want.model || got.threads != tc.want.threads || got.layers != tc.want.layers ||
				got.convsOnly != tc.want.convsOnly || got.compare != tc.want.compare || got.plan != tc.want.plan ||
				got.seed != tc.want.seed || got.zooDir != tc.want.zooDir || len(got.shapes) != len(tc.want.shapes) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
			for k, v := range tc.want.shapes {
				if !got.shapes[k].Equal(v) {
					t.Fatalf("shape %s = %v, want %v", k, got.shapes[k], v)
				}
			}
		})
	}
}

// The plain binary has no ONNX Runtime: --compare ort says how to get it,
// before generating any zoo model.
func TestBench_CompareWithoutORT(t *testing.T) {
	zoo := t.TempDir()
	_, _, err := runBenchCmd(t, "vgg16", "--compare", "ort", "--zoo-dir", zoo)
	if err == nil || !strings.Contains(err.Error(), "make bench-deps") || !strings.Contains(err.Error(), "bin/edgectl-ort") {
		t.Fatalf("err = %v", err)
	}
	if entries, _ := os.ReadDir(zoo); len(entries) != 0 {
		t.Fatalf("zoo model generated before the engine check: %v", entries)
	}
}

func TestBench_UnknownModel(t *testing.T) {
	_, _, err := runBenchCmd(t, "no-such-net", "--zoo-dir", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "not a zoo model") || !strings.Contains(err.Error(), "vgg16") {
		t.Fatalf("err = %v", err)
	}
}

func TestBench_OursOnly(t *testing.T) {
	model := filepath.Join(shared(t), "models", "resnet18_tiny", "model.onnx")
	stdout, stderr, err := runBenchCmd(t, model, "--threads", "1", "--runs", "2", "--warmup", "1", "--layers")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "ours: ") || !strings.Contains(last, "GFLOP/s") {
		t.Fatalf("last line %q", last)
	}
	for _, want := range []string{"threads  1", "peak ", "resnet18_tiny (model)", "convs alone:"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}
