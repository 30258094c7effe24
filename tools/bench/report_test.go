package bench

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func sampleResult(engine string) *Result {
	ms := time.Millisecond
	r := &Result{
		Model:   "vgg16.onnx",
		Threads: 2,
		Kernels: "Conv: kernels-asm x13; MaxPool: kernels-asm x4",
		Peak:    Peak{GFLOPS: 200, Threads: 2, Kernel: "test loop"},
		Plan:    Plan{Warmup: 2, Budget: 10 * time.Second, MinRuns: 5, MaxRuns: 30, Settle: 100 * time.Millisecond, Lead: 1},
		Others:  0.02,
		Items: []Item{
			{Name: "vgg16", Kind: "conv stack", FLOPs: 30_000_000_000, Ours: Stats{N: 10, Min: 240 * ms, Median: 250 * ms}},
			{Name: "/features/features.0/Conv", Kind: "conv", FLOPs: 180_000_000, Ours: Stats{N: 30, Min: 2 * ms, Median: 3 * ms}},
			{Name: "/features/features.2/Conv", Kind: "conv", FLOPs: 3_700_000_000, Ours: Stats{N: 30, Min: 29 * ms, Median: 30 * ms}},
		},
	}
	if engine != "" {
		r.Engine, r.EngineInfo = engine, "ONNX Runtime test settings"
		for i, theirs := range []Stats{{N: 10, Min: 300 * ms, Median: 312500 * time.Microsecond}, {N: 30, Min: 1 * ms, Median: 1500 * time.Microsecond}, {N: 30, Min: 30 * ms, Median: 33 * ms}} {
			r.Items[i].Theirs = theirs
			r.Items[i].MaxErr = 2e-6
		}
	}
	return r
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("output differs from %s (go test -update rewrites it):\n%s", path, got)
	}
}

func TestResult_Format(t *testing.T) {
	for _, tc := range []struct {
		engine, golden, last string
	}{
		{"ort", "report_compare.golden", "speed vs ort: 1.25"},
		{"", "report_ours.golden", "ours: 250.0 ms median, 120.0 GFLOP/s, 60% of peak"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			var b bytes.Buffer
			if err := sampleResult(tc.engine).Format(&b); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if last := lines[len(lines)-1]; last != tc.last {
				t.Fatalf("last line %q, want %q", last, tc.last)
			}
			checkGolden(t, tc.golden, out)
		})
	}
}

// The last line with an engine is exactly "speed vs NAME: R" with two decimals.
func TestResult_FormatLastLine(t *testing.T) {
	re := regexp.MustCompile(`^speed vs ort: [0-9]+\.[0-9]{2}$`)
	for _, ratio := range []float64{0.5, 0.8512, 1, 3.14159} {
		r := sampleResult("ort")
		r.Items[0].Theirs.Median = time.Duration(float64(r.Items[0].Ours.Median) * ratio)
		var b bytes.Buffer
		r.Format(&b)
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		if last := lines[len(lines)-1]; !re.MatchString(last) {
			t.Errorf("ratio %v: last line %q", ratio, last)
		}
	}
}

func TestResult_LayersLine(t *testing.T) {
	line := sampleResult("ort").layersLine()
	want := "2 convs alone: sum of medians ours 33.00 ms, ort 34.50 ms, speed vs ort 1.05; lowest 0.50 (/features/features.0/Conv)"
	if line != want {
		t.Fatalf("layers line\n%q, want\n%q", line, want)
	}
}
