package image_test

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/edgectl/edgectl/kube/image"
)

func tag(t *testing.T, s string) name.Reference {
	t.Helper()
	ref, err := image.ParseTag(s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// readLayout checks the layout in dir: one index named ref, equal to want
// and valid down to every blob.
func readLayout(t *testing.T, dir string, ref name.Reference, want v1.Hash) {
	t.Helper()
	top, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].Digest != want {
		t.Fatalf("index.json lists %+v, want the one index %s", im.Manifests, want)
	}
	if got := im.Manifests[0].Annotations["org.opencontainers.image.ref.name"]; got != ref.Name() {
		t.Errorf("ref.name %q, want %q", got, ref.Name())
	}
	idx, err := top.ImageIndex(want)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(idx); err != nil {
		t.Fatalf("layout %s: %v", dir, err)
	}
	if ps, err := image.Platforms(idx); err != nil || len(ps) != 2 {
		t.Errorf("platforms %v, %v", ps, err)
	}
}

func TestWriteLayout(t *testing.T) {
	res := build(t, testOptions(t))
	ref := tag(t, "localhost/edgectl:test")
	dir := filepath.Join(t.TempDir(), "layout")
	if err := image.Write(dir, image.FormatLayout, res, ref); err != nil {
		t.Fatal(err)
	}
	readLayout(t, dir, ref, digest(t, res.Index))
	// A layout is replaced by the next build; other directories are not.
	if err := image.Write(dir, image.FormatLayout, res, ref); err != nil {
		t.Fatalf("rewriting a layout: %v", err)
	}
	readLayout(t, dir, ref, digest(t, res.Index))
	other := t.TempDir()
	writeFile(t, other, "notes.txt", []byte("keep me"))
	err := image.Write(other, image.FormatLayout, res, ref)
	if err == nil || !strings.Contains(err.Error(), "holds notes.txt") {
		t.Errorf("writing into a directory with other files: %v", err)
	}
}

func TestWriteArchive(t *testing.T) {
	res := build(t, testOptions(t))
	ref := tag(t, "edgectl:v1")
	path := filepath.Join(t.TempDir(), "out", "edgectl.tar")
	if err := image.Write(path, image.FormatTarball, res, ref); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	untar(t, data, dir)
	readLayout(t, dir, ref, digest(t, res.Index))
	var again bytes.Buffer
	if err := image.WriteArchive(&again, res.Index, ref); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), data) {
		t.Error("writing the same image twice gave different archives")
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("archive mode %v, %v; want 0644", st.Mode(), err)
	}
}

func TestWriteDockerArchive(t *testing.T) {
	o := testOptions(t)
	ref := tag(t, "edgectl:v1")
	path := filepath.Join(t.TempDir(), "docker.tar")
	err := image.Write(path, image.FormatDocker, build(t, o), ref)
	if err == nil || !strings.Contains(err.Error(), "holds one platform") {
		t.Fatalf("two platforms in a docker archive: %v", err)
	}
	o.Platforms = []string{"linux/arm64"}
	delete(o.Binaries, "linux/amd64")
	res := build(t, o)
	if err := image.Write(path, image.FormatDocker, res, ref); err != nil {
		t.Fatal(err)
	}
	tg := ref.(name.Tag)
	img, err := tarball.ImageFromPath(path, &tg)
	if err != nil {
		t.Fatal(err)
	}
	// A docker archive keeps the config and the layers, not the manifest.
	got, err1 := img.ConfigName()
	want, err2 := res.Images[0].Image.ConfigName()
	if err1 != nil || err2 != nil || got != want {
		t.Errorf("docker archive holds config %s, want %s (%v, %v)", got, want, err1, err2)
	}
	if err := validate.Image(img); err != nil {
		t.Error(err)
	}
}

func TestFormatFor(t *testing.T) {
	for _, c := range []struct{ flag, path, want string }{
		{"", "bin/edgectl-image.tar", "tarball"},
		{"", "bin/edgectl-image", "oci-layout"},
		{"docker-archive", "x.tar", "docker-archive"},
		{"zip", "x", ""},
	} {
		f, err := image.FormatFor(c.flag, c.path)
		if string(f) != c.want || (err != nil) != (c.want == "") {
			t.Errorf("FormatFor(%q, %q) = %q, %v; want %q", c.flag, c.path, f, err, c.want)
		}
	}
}

// untar extracts a tar of regular files and directories into dir.
func untar(t *testing.T, data []byte, dir string) {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		if h.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
