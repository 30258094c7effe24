package bundle_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/kube/bundle"
	"github.com/edgectl/edgectl/kube/bundle/bundletest"
)

// The plugin a class names in the cluster file goes into the bundle,
// checked against the file's digest, and only that class's devices get it.
func TestBuild_ClassPlugins(t *testing.T) {
	f := bundletest.Make(t, "resnet18_tiny", 2)
	wasm := []byte("\x00asm\x01\x00\x00\x00 a stand-in plugin")
	os.WriteFile(filepath.Join(f.Dir, "vendor.wasm"), wasm, 0o644)
	sum := sha256.Sum256(wasm)
	cl, _ := os.ReadFile(f.Cluster)
	withPlugin := strings.Replace(string(cl), "  - name: big\n", "  - name: big\n    kernels: {plugin: vendor.wasm, sha256: "+hex.EncodeToString(sum[:])+"}\n", 1)
	os.WriteFile(f.Cluster, []byte(withPlugin), 0o644)
	out := filepath.Join(f.Dir, "app.tar")
	res, err := bundle.Build(context.Background(), bundle.Options{Model: f.Model, Plan: f.Plan, Cluster: f.Cluster}, out)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := res.Meta.Plugin("big")
	if !ok || p.Path != "plugins/vendor.wasm" || p.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("plugin of class big: %+v %v", p, ok)
	}
	if _, ok := res.Meta.Plugin("small"); ok {
		t.Error("class small got a plugin")
	}
	b := open(t, out)
	if data, err := b.ReadFile(p.Path); err != nil || string(data) != string(wasm) {
		t.Errorf("plugin read back: %q, %v", data, err)
	}

	// A plugin that is not what the cluster file says is refused.
	os.WriteFile(filepath.Join(f.Dir, "vendor.wasm"), []byte("something else"), 0o644)
	_, err = bundle.Build(context.Background(), bundle.Options{Model: f.Model, Plan: f.Plan, Cluster: f.Cluster}, out)
	if err == nil || !strings.Contains(err.Error(), `class "big" plugin`) {
		t.Fatalf("changed plugin: got %v", err)
	}
}
