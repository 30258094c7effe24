package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/edgectl/edgectl/internal/testenv"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/profile"
)

// testProfile is a profile of this machine's arch and tier whose every
// kind costs 10 us plus 0.1 ns per FLOP, written to dir.
func testProfile(t *testing.T, dir string, threads int) (*costmodel.Profile, string) {
	t.Helper()
	p := &costmodel.Profile{APIVersion: costmodel.APIVersion, Kind: costmodel.ProfileKind, Host: profile.Host(),
		Arch: goruntime.GOARCH, Tier: profile.Tier(), Threads: threads, Measured: time.Now().UTC().Truncate(time.Second),
		Fits: map[costmodel.Kind]costmodel.Fit{}}
	for _, k := range costmodel.Kinds() {
		p.Fits[k] = costmodel.Fit{Const: 1e-5, PerFLOP: 1e-10, Samples: 8, HeldOut: 8, R2: 0.99, MAPE: 0.05, Within10: 0.9}
	}
	path := filepath.Join(dir, "p.yaml")
	if err := saveProfile(path, p); err != nil {
		t.Fatal(err)
	}
	return p, path
}

func runProfileCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = Run(context.Background(), append([]string{"edgectl", "profile"}, args...), &o, &e)
	return o.String(), e.String(), code
}

func TestProfile_FlagErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"negative threads", []string{"--threads", "-1"}, "--threads -1"},
		{"negative budget", []string{"--budget", "-1s"}, "--budget -1s"},
		{"worker without -o", []string{"--worker", "127.0.0.1:1"}, "--worker needs -o"},
		{"from and worker", []string{"--from", "p.yaml", "--worker", "w:1", "-o", "x"}, "not both"},
		{"models without --check", []string{"vgg16"}, "unexpected arguments"},
		{"corrupt profile", []string{"--from", "testdata-missing.yaml"}, "testdata-missing.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runProfileCmd(t, tc.args...)
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q, want 1 and %q", code, stderr, tc.want)
			}
		})
	}
}

func TestProfile_FromCorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte("apiVersion: edgectl.dev/v1alpha1\nkind: Profile\nfits:\n  gemm: {perFLOP: -1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runProfileCmd(t, "--from", path, "--check", "x")
	if code != 1 || !strings.Contains(stderr, "fits.gemm.perFLOP") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestProfile_Check(t *testing.T) {
	model := testenv.SharedPath(t, "models", "resnet18_tiny", "model.onnx")
	_, path := testProfile(t, t.TempDir(), 1)
	stdout, stderr, code := runProfileCmd(t, "--from", path, "--threads", "1", "--runs", "3", "--check", model)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "predicted/measured") || !strings.Contains(lines[1], "resnet18_tiny") {
		t.Errorf("output:\n%s", stdout)
	}
}

func TestProfile_WorkerNeedsAReachableWorker(t *testing.T) {
	out := filepath.Join(t.TempDir(), "w.yaml")
	_, stderr, code := runProfileCmd(t, "--worker", "127.0.0.1:1", "--token", "t", "-o", out)
	if code != 1 || stderr == "" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed worker profile left a file")
	}
}

func TestLocalProfile_Cached(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	path, err := localProfilePath(3)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(path, cache) {
		t.Fatalf("cache path %s outside %s", path, cache)
	}
	if other, _ := localProfilePath(2); other == path {
		t.Error("two thread counts share a cache file")
	}
	this := buildKey
	buildKey = func() string { return "another-build" }
	other, _ := localProfilePath(3)
	buildKey = this
	if other == path {
		t.Error("two builds of edgectl share a cache file")
	}
	want, _ := testProfile(t, filepath.Dir(path), 3)
	if err := os.Rename(filepath.Join(filepath.Dir(path), "p.yaml"), path); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	got, err := localProfile(context.Background(), 3, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if stderr.Len() != 0 || got.Threads != 3 || !reflect.DeepEqual(got.Fits[costmodel.KindGemm], want.Fits[costmodel.KindGemm]) {
		t.Errorf("cached profile not used: %q, %+v", stderr.String(), got.Fits[costmodel.KindGemm])
	}
}
