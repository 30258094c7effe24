package image_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/edgectl/edgectl/kube/image"
)

// fakeEngines puts scripts named podman and docker on an otherwise empty
// $PATH: each answers `version` with success when it works and copies the
// file of `load -i FILE` to $LOADED.
func fakeEngines(t *testing.T, podmanWorks, dockerWorks bool) string {
	dir := t.TempDir()
	for eng, works := range map[string]bool{"podman": podmanWorks, "docker": dockerWorks} {
		status := "0"
		if !works {
			status = "1"
		}
		script := "#!/bin/sh\ncase \"$1\" in\nversion) echo \"" + eng + " says " + status + "\" >&2; exit " + status + ";;\n" +
			"load) PATH=\"$FAKE_ENGINES_PATH\" cp \"$3\" \"$LOADED\"; echo \"Loaded image: edgectl:v1\";;\nesac\n"
		writeFile(t, dir, eng, []byte(script))
	}
	t.Setenv("FAKE_ENGINES_PATH", os.Getenv("PATH"))
	t.Setenv("PATH", dir)
	loaded := filepath.Join(t.TempDir(), "loaded.tar")
	t.Setenv("LOADED", loaded)
	return loaded
}

func TestLoad_Podman(t *testing.T) {
	loaded := fakeEngines(t, true, true)
	engine, err := image.FindEngine(context.Background())
	if err != nil || filepath.Base(engine) != "podman" {
		t.Fatalf("FindEngine = %q, %v; want podman first", engine, err)
	}
	res := build(t, testOptions(t))
	ref := tag(t, "localhost/edgectl:v1")
	out, err := image.Load(context.Background(), engine, res, ref)
	if err != nil || out != "Loaded image: edgectl:v1" {
		t.Fatalf("Load = %q, %v", out, err)
	}
	// Podman gets the OCI archive with every platform.
	data, err := os.ReadFile(loaded)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	untar(t, data, dir)
	readLayout(t, dir, ref, digest(t, res.Index))
}

func TestLoad_Docker(t *testing.T) {
	loaded := fakeEngines(t, false, true)
	engine, err := image.FindEngine(context.Background())
	if err != nil || filepath.Base(engine) != "docker" {
		t.Fatalf("FindEngine = %q, %v; want docker when podman fails", engine, err)
	}
	res := build(t, testOptions(t))
	host, err := res.HostImage()
	if err != nil {
		t.Skip(err) // neither amd64 nor arm64
	}
	ref := tag(t, "edgectl:v1")
	if _, err := image.Load(context.Background(), engine, res, ref); err != nil {
		t.Fatal(err)
	}
	// Docker gets a docker archive of this machine's platform.
	tg := ref.(name.Tag)
	img, err := tarball.ImageFromPath(loaded, &tg)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := img.ConfigName()
	want, _ := host.Image.ConfigName()
	if got != want {
		t.Errorf("docker loaded config %s, want %s (%s)", got, want, host.Platform)
	}
}

func TestFindEngine_None(t *testing.T) {
	fakeEngines(t, false, false)
	_, err := image.FindEngine(context.Background())
	for _, want := range []string{"no container engine to load the image into", "podman says 1", "docker says 1", "make image-deps"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to contain %q", err, want)
		}
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := image.FindEngine(context.Background()); err == nil || !strings.Contains(err.Error(), "podman: not installed; docker: not installed") {
		t.Errorf("no engines installed: %v", err)
	}
}
