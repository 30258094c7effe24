package image

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// refAnnotations name the index inside a layout: org.opencontainers.image.ref.name
// (podman, skopeo, oras) and io.containerd.image.name (containerd and
// Docker 25+) hold the full reference.
func refAnnotations(ref name.Reference) map[string]string {
	return map[string]string{
		"org.opencontainers.image.ref.name": ref.Name(),
		"io.containerd.image.name":          ref.Name(),
	}
}

// ParseTag parses an image reference such as edgectl:v1 or
// registry.example:5000/team/edgectl:v1 (a bare name gets tag "latest").
func ParseTag(s string) (name.Reference, error) {
	ref, err := name.ParseReference(s)
	if err != nil {
		return nil, fmt.Errorf("image reference %q: %w", s, err)
	}
	return ref, nil
}

// WriteLayout writes the index as an OCI image layout in dir, named ref
// in index.json. dir must not exist, be empty, or be an OCI layout
// (which is replaced).
func WriteLayout(dir string, idx v1.ImageIndex, ref name.Reference) error {
	if err := clearLayout(dir); err != nil {
		return err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return fmt.Errorf("oci layout %s: %w", dir, err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(refAnnotations(ref))); err != nil {
		return fmt.Errorf("oci layout %s: %w", dir, err)
	}
	return nil
}

// clearLayout makes sure dir can take a new layout.
func clearLayout(dir string) error {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) || err == nil && len(ents) == 0 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("oci layout %s: %w", dir, err)
	}
	known := map[string]bool{"oci-layout": true, "index.json": true, "blobs": true}
	for _, e := range ents {
		if !known[e.Name()] {
			return fmt.Errorf("oci layout %s: the directory holds %s, so it is not an OCI layout to replace; give an empty or new directory", dir, e.Name())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil {
		return fmt.Errorf("oci layout %s: not empty and has no oci-layout file; give an empty or new directory", dir)
	}
	return os.RemoveAll(dir)
}

// WriteDockerArchive writes one image as a docker archive (`docker save`
// format; any Docker or podman loads it), tagged ref.
func WriteDockerArchive(w io.Writer, img v1.Image, ref name.Reference) error {
	tag, ok := ref.(name.Tag)
	if !ok {
		return fmt.Errorf("docker archive: %s is not a tag (name:tag)", ref)
	}
	return tarball.Write(tag, img, w)
}

// WriteFile writes a file through a temporary file renamed into place, so
// that an interrupted build leaves no half-written image.
func WriteFile(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".edgectl-image-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.Rename(f.Name(), path)
}
