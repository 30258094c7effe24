package image

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
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

// WriteArchive writes the index as an OCI archive: an OCI image layout in
// one tar file (podman load, docker load from Docker 25, skopeo
// oci-archive:). Every platform is in it.
func WriteArchive(w io.Writer, idx v1.ImageIndex, ref name.Reference) error {
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	d, err := idx.Digest()
	if err != nil {
		return err
	}
	raw, err := idx.RawManifest()
	if err != nil {
		return err
	}
	mt, err := idx.MediaType()
	if err != nil {
		return err
	}
	top := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{{
		MediaType: mt, Size: int64(len(raw)), Digest: d, Annotations: refAnnotations(ref),
	}}}
	indexJSON, err := json.Marshal(top)
	if err != nil {
		return err
	}
	aw := &archive{tw: tar.NewWriter(w), seen: map[v1.Hash]bool{}}
	aw.file("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	aw.file("index.json", indexJSON)
	aw.dir("blobs/")
	aw.dir("blobs/sha256/")
	aw.blob(d, raw)
	for _, m := range im.Manifests {
		img, err := idx.Image(m.Digest)
		if err != nil {
			return fmt.Errorf("manifest %s: %w", m.Digest, err)
		}
		if err := aw.image(img); err != nil {
			return fmt.Errorf("manifest %s: %w", m.Digest, err)
		}
	}
	if aw.err != nil {
		return aw.err
	}
	return aw.tw.Close()
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

// archive writes tar entries with fixed metadata; the first error sticks.
type archive struct {
	tw   *tar.Writer
	seen map[v1.Hash]bool
	err  error
}

func (a *archive) header(h *tar.Header) {
	h.ModTime = time.Unix(0, 0)
	if a.err == nil {
		a.err = a.tw.WriteHeader(h)
	}
}

func (a *archive) dir(name string) {
	a.header(&tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755})
}

func (a *archive) file(name string, data []byte) {
	a.header(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))})
	if a.err == nil {
		_, a.err = a.tw.Write(data)
	}
}

func (a *archive) blob(d v1.Hash, data []byte) {
	if !a.seen[d] {
		a.seen[d] = true
		a.file("blobs/"+d.Algorithm+"/"+d.Hex, data)
	}
}

// image writes an image's manifest, config and layers.
func (a *archive) image(img v1.Image) error {
	d, err := img.Digest()
	if err != nil {
		return err
	}
	raw, err := img.RawManifest()
	if err != nil {
		return err
	}
	a.blob(d, raw)
	cn, err := img.ConfigName()
	if err != nil {
		return err
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	a.blob(cn, cfg)
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		ld, err := l.Digest()
		if err != nil {
			return err
		}
		if a.seen[ld] {
			continue
		}
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		a.blob(ld, data)
	}
	return nil
}
