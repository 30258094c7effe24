package image

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

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
