package bundle_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/kube/bundle/bundletest"
)

// A bundle built, inspected and verified through the CLI runs on three
// local workers, each placing only its own shard, and matches one device.
func TestCLI_BundleRunLocal(t *testing.T) {
	t.Setenv(childEnv, "1")
	f := bundletest.Make(t, "resnet18_tiny", 3)
	app := filepath.Join(f.Dir, "app.tar")
	code, stdout, stderr := edgectl(t, "bundle", f.Model, "--plan", f.Plan, "--cluster", f.Cluster, "-o", app)
	if code != 0 || !strings.Contains(stdout, "bundle resnet18-tiny sha256:") {
		t.Fatalf("bundle: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = edgectl(t, "bundle", "inspect", app)
	if code != 0 || !strings.Contains(stdout, "manifests/app.yaml") || !strings.Contains(stdout, "dev-2") {
		t.Fatalf("inspect: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr = edgectl(t, "bundle", "verify", app); code != 0 || !strings.Contains(stdout, "files verified") {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = edgectl(t, "run", "--bundle", app, "--local", "3", "-i", f.Input, "--check", "-v")
	if code != 0 || !strings.Contains(stdout, "against one device: ok") {
		t.Fatalf("run --bundle: exit %d\n%s%s", code, stdout, stderr)
	}
	if n := strings.Count(stderr, "bundle shard placed"); n != 3 {
		t.Errorf("%d workers placed a shard, want 3:\n%s", n, stderr)
	}
	if !strings.Contains(stdout, "coordinator read") {
		t.Errorf("run output:\n%s", stdout)
	}
}

func TestCLI_BundleRefused(t *testing.T) {
	t.Setenv(childEnv, "1")
	f := bundletest.Make(t, "resnet18_tiny", 2)
	app := filepath.Join(f.Dir, "app.tar")
	if code, _, stderr := edgectl(t, "bundle", f.Model, "--plan", f.Plan, "--cluster", f.Cluster, "-o", app); code != 0 {
		t.Fatal(stderr)
	}
	key := filepath.Join(f.Dir, "key")
	if code, _, stderr := edgectl(t, "bundle", "keygen", key); code != 0 {
		t.Fatal(stderr)
	}
	// Unsigned, but a signature is required.
	code, _, stderr := edgectl(t, "run", "--bundle", app, "--local", "2", "-i", f.Input, "--pubkey", key+".pub", "--require-signature")
	if code != 1 || !strings.Contains(stderr, "bundle is not signed") {
		t.Errorf("unsigned run: exit %d: %s", code, stderr)
	}
	if code, _, stderr := edgectl(t, "bundle", "sign", app, "--key", key); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := edgectl(t, "bundle", "verify", app, "--pubkey", key+".pub", "--require-signature"); code != 0 {
		t.Fatal(stderr)
	}
	// A weight blob altered after signing: verify and run both name it.
	data, _ := os.ReadFile(app)
	path := "model/weights/001.bin"
	for j := 0; j+512 < len(data); j += 512 {
		if strings.HasPrefix(string(data[j:j+100]), path+"\x00") {
			data[j+600] ^= 1
		}
	}
	os.WriteFile(app, data, 0o644)
	code, _, stderr = edgectl(t, "bundle", "verify", app)
	if code != 1 || !strings.Contains(stderr, "("+path+"): content does not match its digest") {
		t.Errorf("tampered verify: exit %d: %s", code, stderr)
	}
	code, _, stderr = edgectl(t, "run", "--bundle", app, "--local", "2", "-i", f.Input, "--pubkey", key+".pub", "--require-signature", "-v")
	if code != 1 || !strings.Contains(stderr, path) {
		t.Errorf("tampered run: exit %d: %s", code, stderr)
	}
}

// A plan that splits a layer by output channels runs from a bundle whose
// devices hold only their slices of it, and matches one device.
func TestCLI_BundleRunLocal_ChannelSlices(t *testing.T) {
	t.Setenv(childEnv, "1")
	f := bundletest.MakeChannelSplit(t, "resnet18_tiny")
	app := filepath.Join(f.Dir, "app.tar")
	if code, stdout, stderr := edgectl(t, "bundle", f.Model, "--plan", f.Plan, "--cluster", f.Cluster, "-o", app); code != 0 {
		t.Fatalf("bundle: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr := edgectl(t, "run", "--bundle", app, "--local", "3", "-i", f.Input, "--check", "-v")
	if code != 0 || !strings.Contains(stdout, "against one device: ok") {
		t.Fatalf("run --bundle: exit %d\n%s%s", code, stdout, stderr)
	}
	if n := strings.Count(stderr, "weight_slices=2"); n != 2 {
		t.Errorf("%d workers placed two weight slices, want 2 (dev-1 and dev-2):\n%s", n, stderr)
	}
}

// manifests takes the pods' registry from the bundle's cluster file, and
// --bundle-ref overrides it; with neither, the error says what to give.
func TestCLI_ManifestsRegistry(t *testing.T) {
	f := bundletest.Make(t, "resnet18_tiny", 2)
	bare := filepath.Join(f.Dir, "bare.tar")
	if code, _, stderr := edgectl(t, "bundle", f.Model, "--plan", f.Plan, "--cluster", f.Cluster, "-o", bare); code != 0 {
		t.Fatal(stderr)
	}
	code, _, stderr := edgectl(t, "manifests", bare)
	if code != 1 || !strings.Contains(stderr, "no registry for bundle "+bare) || !strings.Contains(stderr, "registry.repository") || !strings.Contains(stderr, "--bundle-ref") {
		t.Errorf("no registry: exit %d: %s", code, stderr)
	}
	bundletest.WithRegistry(t, f, "registry.lan:5000/edgectl", true)
	app := filepath.Join(f.Dir, "app.tar")
	code, stdout, stderr := edgectl(t, "bundle", f.Model, "--plan", f.Plan, "--cluster", f.Cluster, "-o", app)
	if code != 0 {
		t.Fatal(stderr)
	}
	digest := stdout[strings.Index(stdout, "sha256:"):]
	digest = digest[:len("sha256:")+64]
	code, stdout, stderr = edgectl(t, "manifests", app, "--source", "init")
	if code != 0 || !strings.Contains(stdout, "registry.lan:5000/edgectl@"+digest) || !strings.Contains(stdout, "- --insecure") {
		t.Errorf("registry of the cluster file: exit %d: %s\n%s", code, stderr, stdout)
	}
	code, stdout, stderr = edgectl(t, "manifests", app, "--bundle-ref", "other.example/apps")
	if code != 0 || !strings.Contains(stdout, "other.example/apps@"+digest) || strings.Contains(stdout, "registry.lan") {
		t.Errorf("--bundle-ref: exit %d: %s", code, stderr)
	}
}
