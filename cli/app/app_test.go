package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/internal/testenv"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

func shared(t *testing.T) string { return testenv.Shared(t) }

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Run(context.Background(), append([]string{"edgectl"}, args...), &o, &e)
	return code, o.String(), e.String()
}

func TestImport_TableAndEdgeIR(t *testing.T) {
	model := filepath.Join(shared(t), "models", "resnet18_tiny", "model.onnx")
	out := filepath.Join(t.TempDir(), "r.edgeir")
	code, stdout, stderr := run(t, "import", model, "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"MFLOPs", "Conv", "Gemm", "total:", "output"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("import output lacks %q:\n%s", want, stdout)
		}
	}
	// The .edgeir file is accepted in place of the ONNX file.
	code, stdout2, stderr := run(t, "import", out, "--json")
	if code != 0 {
		t.Fatalf("import of .edgeir: exit %d: %s", code, stderr)
	}
	var doc struct {
		Layers []struct{ Op string } `json:"layers"`
		Totals struct{ FLOPs int64 } `json:"totals"`
	}
	if err := json.Unmarshal([]byte(stdout2), &doc); err != nil {
		t.Fatalf("--json output is not JSON: %v", err)
	}
	if len(doc.Layers) == 0 || doc.Totals.FLOPs == 0 {
		t.Fatalf("empty JSON table: %s", stdout2)
	}
}

func TestVerify_ExitStatus(t *testing.T) {
	dir := filepath.Join(shared(t), "models", "squeezenet1_1")
	if code, stdout, stderr := run(t, "verify", dir); code != 0 || !strings.Contains(stdout, "all 1 models match") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	// A copy whose reference output is scaled must fail with status 1.
	bad := t.TempDir()
	data, _ := os.ReadFile(filepath.Join(dir, "model.onnx"))
	os.WriteFile(filepath.Join(bad, "model.onnx"), data, 0o644)
	os.MkdirAll(filepath.Join(bad, "test_data_set_0"), 0o755)
	in, _ := os.ReadFile(filepath.Join(dir, "test_data_set_0", "input_0.pb"))
	os.WriteFile(filepath.Join(bad, "test_data_set_0", "input_0.pb"), in, 0o644)
	ref, _, err := importer.ReadTensorFile(filepath.Join(dir, "test_data_set_0", "output_0.pb"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range ref.F {
		ref.F[i] *= 1.01
	}
	if err := importer.WriteTensorFile(filepath.Join(bad, "test_data_set_0", "output_0.pb"), ref, ""); err != nil {
		t.Fatal(err)
	}
	if code, stdout, _ := run(t, "verify", bad); code != 1 || !strings.Contains(stdout, "FAIL") {
		t.Fatalf("tampered reference: exit %d, want 1 with FAIL:\n%s", code, stdout)
	}
}

func TestInfer_PBAndNpy(t *testing.T) {
	dir := filepath.Join(shared(t), "models", "resnet18_tiny")
	tmp := t.TempDir()
	in := filepath.Join(dir, "test_data_set_0", "input_0.pb")
	x, _, err := importer.ReadTensorFile(in)
	if err != nil {
		t.Fatal(err)
	}
	npyIn := filepath.Join(tmp, "x.npy")
	if err := importer.WriteTensorFile(npyIn, x, ""); err != nil {
		t.Fatal(err)
	}
	outPB, outNpy := filepath.Join(tmp, "y.pb"), filepath.Join(tmp, "y.npy")
	if code, _, stderr := run(t, "infer", filepath.Join(dir, "model.onnx"), "--input", in, "--output", outPB); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if code, _, stderr := run(t, "infer", filepath.Join(dir, "model.onnx"), "--input", npyIn, "--output", outNpy); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	a, _, err := importer.ReadTensorFile(outPB)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := importer.ReadTensorFile(outNpy)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Shape.Equal(b.Shape) {
		t.Fatalf("shapes %v vs %v", a.Shape, b.Shape)
	}
	for i := range a.F {
		if a.F[i] != b.F[i] {
			t.Fatalf(".pb and .npy runs differ at %d", i)
		}
	}
}

// Bad input gives one error line naming the file, exit status 1.
func TestRun_BadInputIsOneLine(t *testing.T) {
	tmp := t.TempDir()
	model := filepath.Join(shared(t), "models", "resnet18_tiny", "model.onnx")
	data, _ := os.ReadFile(model)
	trunc := filepath.Join(tmp, "trunc.onnx")
	os.WriteFile(trunc, data[:len(data)/3], 0o644)
	wrong := filepath.Join(tmp, "wrong.pb")
	small, _, _ := importer.ReadTensorFile(filepath.Join(shared(t), "models", "yolov2_slim", "test_data_set_0", "input_0.pb"))
	importer.WriteTensorFile(wrong, small, "")
	wrongType := filepath.Join(tmp, "int.pb")
	importer.WriteTensorFile(wrongType, graphir.NewTensor(graphir.Int64, graphir.Shape{1, 3, 224, 224}), "")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"import", filepath.Join(tmp, "nope.onnx")}, "nope.onnx"},
		{"truncated", []string{"import", trunc}, "trunc.onnx"},
		{"directory", []string{"import", tmp}, "is a directory"},
		{"wrong input shape", []string{"infer", model, "--input", wrong}, "shape"},
		{"wrong input type", []string{"infer", model, "--input", wrongType}, "is int64, model wants float32"},
		{"no args", []string{"verify"}, "at least one"},
		{"unknown command", []string{"frobnicate"}, "frobnicate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, tc.args...)
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if code != 1 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "goroutine") {
				t.Fatalf("exit %d, stderr %q; want exit 1 and an error containing %q", code, stderr, tc.want)
			}
			if tc.name != "unknown command" && len(lines) != 1 {
				t.Fatalf("want one error line, got %d: %q", len(lines), stderr)
			}
		})
	}
}

// A worker told to use a plugin refuses it when the digest differs, before
// serving anything.
func TestWorker_RefusesPluginWithOtherDigest(t *testing.T) {
	p := filepath.Join(t.TempDir(), "vendor.wasm")
	os.WriteFile(p, []byte("\x00asm\x01\x00\x00\x00"), 0o644)
	t.Setenv("EDGECTL_TOKEN", "abcdefghijklmnopqrstuvwxyz0123456789")
	code, _, stderr := run(t, "worker", "--listen", "127.0.0.1:0", "--plugin", p, "--plugin-sha256", strings.Repeat("ab", 32))
	if code != 1 || !strings.Contains(stderr, "does not match the pinned digest") {
		t.Fatalf("exit %d, stderr %q; want a digest refusal", code, stderr)
	}
	code, _, stderr = run(t, "worker", "--listen", "127.0.0.1:0", "--plugin", p)
	if code != 1 || !strings.Contains(stderr, "go together") {
		t.Fatalf("exit %d, stderr %q; want --plugin without a digest refused", code, stderr)
	}
}

// Errors that libraries report in their own terms get the CLI's flags.
func TestRun_FlagHints(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := run(t, "worker", "--listen", "127.0.0.1:0", "--data-dir", dir)
	if code != 1 || !strings.Contains(stderr, "refusing to serve without authentication") || !strings.Contains(stderr, "--token-file") {
		t.Errorf("worker without auth: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = run(t, "worker", "--listen", "127.0.0.1:0", "--data-dir", dir, "--client-ca", "ca.pem")
	if code != 1 || !strings.Contains(stderr, "--client-ca needs --tls-cert and --tls-key") {
		t.Errorf("worker with a CA but no certificate: exit %d, stderr %q", code, stderr)
	}
}

func TestFlagHint(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("m.onnx: %w", &importer.ShapeNeededError{Input: "x", Dim: 2, Param: "h"}), "--input-shape x=D0xD1x..."},
		{fmt.Errorf("run: %w", &coord.NoWorkerError{Device: "pi-1"}), "--worker pi-1=ADDR"},
		{errors.New("other"), ""},
	}
	for _, c := range cases {
		if got := flagHint(c.err); !strings.Contains(got, c.want) || (c.want == "" && got != "") {
			t.Errorf("flagHint(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
