package bundle_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/edgectl/edgectl/kube/bundle"
)

// registryHost serves the OCI distribution protocol in-process, on
// loopback, for the test only.
func registryHost(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

func TestPushPull_SignedRoundTrip(t *testing.T) {
	ctx := context.Background()
	out, res, f := build(t, 3)
	key := filepath.Join(f.Dir, "key")
	if _, err := bundle.GenerateKey(key); err != nil {
		t.Fatal(err)
	}
	priv, _ := bundle.LoadPrivateKey(key)
	pub, _ := bundle.LoadPublicKey(key + ".pub")
	if _, err := bundle.Sign(out, priv); err != nil {
		t.Fatal(err)
	}
	host := registryHost(t)
	b := open(t, out)
	var progress bytes.Buffer
	ref, err := bundle.Push(ctx, b, host+"/apps/resnet:v1", bundle.RemoteOptions{Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if ref.DigestStr() != res.Digest.String() {
		t.Errorf("pushed %s, built %s", ref, res.Digest)
	}
	pulled := filepath.Join(f.Dir, "pulled.tar")
	d, err := bundle.Pull(ctx, host+"/apps/resnet:v1", pulled, bundle.PullOptions{PublicKey: pub, RemoteOptions: bundle.RemoteOptions{Progress: &progress}})
	if err != nil {
		t.Fatal(err)
	}
	if d != res.Digest {
		t.Errorf("pulled %s, built %s", d, res.Digest)
	}
	if !strings.Contains(progress.String(), "pushed ") || !strings.Contains(progress.String(), "pulling model/weights/common.bin") {
		t.Errorf("progress:\n%s", progress.String())
	}
	p := open(t, pulled)
	if err := p.VerifySignature(pub); err != nil {
		t.Fatal(err)
	}
	if err := p.Verify(nil); err != nil {
		t.Fatal(err)
	}

	// A device pulls only its own weights, and runs from the folder.
	dir := filepath.Join(f.Dir, "dev-1")
	if _, err := bundle.Extract(ctx, ref.String(), dir, "dev-1", bundle.PullOptions{PublicKey: pub}); err != nil {
		t.Fatal(err)
	}
	dev, _ := p.Meta.Device("dev-1")
	got, _ := filepath.Glob(filepath.Join(dir, "model", "weights", "*.bin"))
	if len(got) != len(dev.Weights) {
		t.Errorf("dev-1 pulled %v, wants %v", got, dev.Weights)
	}
	db := open(t, dir)
	if _, err := db.PlaceModel("dev-1", t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, bundle.ManifestsPath)); err == nil {
		t.Error("a device pulled the manifests")
	}

	// The coordinator pulls the graph and the common weights only.
	cdir := filepath.Join(f.Dir, "coordinator")
	if _, err := bundle.Extract(ctx, ref.String(), cdir, "coordinator", bundle.PullOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _ = filepath.Glob(filepath.Join(cdir, "model", "weights", "*.bin"))
	if len(got) != 1 || filepath.Base(got[0]) != "common.bin" {
		t.Errorf("the coordinator pulled %v", got)
	}
	if _, err := open(t, cdir).PlaceModel("", t.TempDir()); err != nil {
		t.Fatal(err)
	}
}

func TestPull_RequireSignature(t *testing.T) {
	ctx := context.Background()
	out, _, f := build(t, 2)
	host := registryHost(t)
	if _, err := bundle.Push(ctx, open(t, out), host+"/apps/unsigned:v1", bundle.RemoteOptions{}); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(f.Dir, "key")
	bundle.GenerateKey(key)
	pub, _ := bundle.LoadPublicKey(key + ".pub")
	_, err := bundle.Pull(ctx, host+"/apps/unsigned:v1", filepath.Join(f.Dir, "x.tar"), bundle.PullOptions{PublicKey: pub})
	if !errors.Is(err, bundle.ErrNotSigned) {
		t.Fatalf("unsigned pull with a key: got %v", err)
	}
	_, err = bundle.Extract(ctx, host+"/apps/unsigned:v1", filepath.Join(f.Dir, "d"), "dev-0", bundle.PullOptions{PublicKey: pub})
	if !errors.Is(err, bundle.ErrNotSigned) {
		t.Fatalf("unsigned extract with a key: got %v", err)
	}
}

// Ensure pushes a bundle that the repository lacks, with progress, and
// only checks for it the second time; a signature added later is pushed.
func TestEnsure_PushesOnlyWhatIsMissing(t *testing.T) {
	ctx := context.Background()
	out, res, f := build(t, 2)
	repo := registryHost(t) + "/apps"
	b := open(t, out)
	var progress bytes.Buffer
	ref, pushed, err := bundle.Ensure(ctx, b, repo, "resnet18-tiny-1", bundle.RemoteOptions{Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if !pushed || ref.String() != repo+"@"+res.Digest.String() || !strings.Contains(progress.String(), "pushing bundle") {
		t.Errorf("first Ensure: %s pushed %v, progress:\n%s", ref, pushed, progress.String())
	}
	progress.Reset()
	ref2, pushed, err := bundle.Ensure(ctx, b, repo+":other", "x", bundle.RemoteOptions{Progress: &progress})
	if err != nil || pushed || ref2 != ref || progress.Len() != 0 {
		t.Errorf("second Ensure: %s pushed %v, %v, progress %q", ref2, pushed, err, progress.String())
	}
	b.Close()
	key := filepath.Join(f.Dir, "key")
	if _, err := bundle.GenerateKey(key); err != nil {
		t.Fatal(err)
	}
	priv, _ := bundle.LoadPrivateKey(key)
	pub, _ := bundle.LoadPublicKey(key + ".pub")
	if _, err := bundle.Sign(out, priv); err != nil {
		t.Fatal(err)
	}
	if _, pushed, err := bundle.Ensure(ctx, open(t, out), repo, "resnet18-tiny-1", bundle.RemoteOptions{}); err != nil || !pushed {
		t.Errorf("Ensure of the signed bundle: pushed %v, %v", pushed, err)
	}
	if _, err := bundle.Pull(ctx, ref.String(), filepath.Join(f.Dir, "pulled.tar"), bundle.PullOptions{PublicKey: pub}); err != nil {
		t.Errorf("pull of the ensured bundle, signature required: %v", err)
	}
	// A registry that does not answer is an error naming the bundle.
	if _, _, err := bundle.Ensure(ctx, open(t, out), "127.0.0.1:1/apps", "x", bundle.RemoteOptions{}); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1/apps@sha256:") {
		t.Errorf("unreachable registry: %v", err)
	}
}
