package image_test

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/kube/image"
)

// hello is a tiny module to cross-compile instead of edgectl.
func helloOptions(t *testing.T) image.Options {
	dir, err := filepath.Abs(filepath.Join("testdata", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	return image.Options{Platforms: []string{"linux/amd64", "linux/arm64"}, ModuleDir: dir, Main: ".", Version: "v0.0.1", Created: created}
}

func TestBuild_Compiles(t *testing.T) {
	if _, err := image.FindGo(); err != nil {
		t.Fatal(err) // go test runs with a toolchain
	}
	o := helloOptions(t)
	var progress bytes.Buffer
	o.Progress = &progress
	res := build(t, o)
	machines := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	for _, pi := range res.Images {
		layers, err := pi.Image.Layers()
		if err != nil {
			t.Fatal(err)
		}
		bin := layerFiles(t, layers[1])["usr/local/bin/edgectl"].data
		f, err := elf.NewFile(bytes.NewReader(bin))
		if err != nil {
			t.Fatalf("%s: %v", pi.Platform, err)
		}
		if f.Machine != machines[pi.Platform.Architecture] {
			t.Errorf("%s: binary for %s", pi.Platform, f.Machine)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s: binary is dynamically linked", pi.Platform)
			}
		}
		if pi.Platform.Architecture == runtimeArch() {
			exe := writeFile(t, t.TempDir(), "hello", bin)
			if out, err := exec.Command(exe).Output(); err != nil || string(out) != "hello\n" {
				t.Errorf("%s: running the binary: %q, %v", pi.Platform, out, err)
			}
		}
	}
	for _, want := range []string{"linux/amd64: go build . (in ", "linux/amd64: image sha256:", "linux/arm64: image sha256:"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
	// The build is reproducible through the compiler too.
	o.Progress = nil
	if digest(t, build(t, o).Index) != digest(t, res.Index) {
		t.Error("compiling the same source twice gave different images")
	}
}

func TestBuild_NoGo(t *testing.T) {
	o := helloOptions(t)
	o.Go = filepath.Join(t.TempDir(), "go")
	_, err := image.Build(context.Background(), o)
	if !errors.Is(err, image.ErrNoGo) || !strings.Contains(err.Error(), "no Go toolchain found: image build compiles edgectl for each platform; install Go or give a prebuilt binary") {
		t.Fatalf("error %v, want ErrNoGo", err)
	}
	t.Setenv("PATH", t.TempDir())
	t.Setenv("GOROOT", "")
	if _, err := image.FindGo(); !errors.Is(err, image.ErrNoGo) {
		t.Errorf("FindGo without go on PATH: %v", err)
	}
}

func TestBuild_CompileError(t *testing.T) {
	o := helloOptions(t)
	o.Platforms, o.Main = []string{"linux/arm64"}, "./missing"
	_, err := image.Build(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "platform linux/arm64: go build ./missing in ") {
		t.Fatalf("error %v", err)
	}
}

func TestFindModule(t *testing.T) {
	wd, _ := os.Getwd()
	root, err := image.FindModule(wd)
	if err != nil || root != filepath.Dir(filepath.Dir(wd)) {
		t.Errorf("FindModule(%s) = %s, %v; want the repository root", wd, root, err)
	}
	if _, err := image.FindModule(filepath.Join("testdata", "hello")); err == nil || !strings.Contains(err.Error(), `module "example.com/hello", not github.com/edgectl/edgectl`) {
		t.Errorf("another module: %v", err)
	}
	if _, err := image.FindModule(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not inside a Go module") {
		t.Errorf("no module: %v", err)
	}
}
