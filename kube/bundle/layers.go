package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Platforms are the images of the index: the same layers under each, so
// that a container runtime on any of these nodes mounts the bundle as an
// image volume (runtimes match a plain manifest's platform).
var Platforms = []v1.Platform{
	{OS: "linux", Architecture: "amd64"},
	{OS: "linux", Architecture: "arm64"},
	{OS: "linux", Architecture: "arm", Variant: "v7"},
}

// layer is one file of the bundle as an uncompressed tar layer, stored in
// a file of its own.
type layer struct {
	path string // in the bundle
	role string
	file string // the layer's tar on disk
	desc v1.Descriptor
	// sum and size are those of the file inside.
	sum  string
	size int64
}

// epoch is every time in a bundle, so that the same inputs give the same
// digests.
var epoch = time.Unix(0, 0).UTC()

// makeLayer writes the tar of src (stored as path) into dir, named by its
// digest.
func makeLayer(dir, path, role, src string) (*layer, error) {
	in, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, "layer-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	lh, fh := sha256.New(), sha256.New()
	cw := &countWriter{w: io.MultiWriter(tmp, lh)}
	tw := tar.NewWriter(cw)
	err = tw.WriteHeader(&tar.Header{Name: path, Typeflag: tar.TypeReg, Mode: 0o644, Size: st.Size(),
		ModTime: epoch, Format: tar.FormatUSTAR})
	if err == nil {
		_, err = io.Copy(io.MultiWriter(tw, fh), in)
	}
	if err == nil {
		err = tw.Close()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(lh.Sum(nil))}
	file := filepath.Join(dir, d.Hex)
	if err := os.Rename(tmp.Name(), file); err != nil {
		return nil, err
	}
	return &layer{path: path, role: role, file: file, sum: hex.EncodeToString(fh.Sum(nil)), size: st.Size(),
		desc: v1.Descriptor{MediaType: types.OCIUncompressedLayer, Size: cw.n, Digest: d,
			Annotations: map[string]string{TitleAnnotation: path, RoleAnnotation: role}}}, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// blob is a small blob held in memory (index, manifests, configs).
type blob struct {
	desc v1.Descriptor
	data []byte
}

func jsonBlob(mt types.MediaType, v any) (blob, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return blob{}, err
	}
	d, _, err := v1.SHA256(bytes.NewReader(data))
	if err != nil {
		return blob{}, err
	}
	return blob{desc: v1.Descriptor{MediaType: mt, Size: int64(len(data)), Digest: d}, data: data}, nil
}

// images makes the index of one image per platform over layers; it
// returns the index and the manifests and configs.
func images(name string, layers []*layer) (blob, []blob, error) {
	var diffs []v1.Hash
	var descs []v1.Descriptor
	for _, l := range layers {
		diffs = append(diffs, l.desc.Digest)
		descs = append(descs, l.desc)
	}
	labels := map[string]string{NameAnnotation: name, "org.opencontainers.image.title": name,
		"org.opencontainers.image.description": "edgectl bundle: plan, cluster file, model weights per stage, manifests"}
	var small []blob
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, ArtifactType: ArtifactType, Annotations: map[string]string{NameAnnotation: name}}
	for _, p := range Platforms {
		cfg := v1.ConfigFile{Architecture: p.Architecture, Variant: p.Variant, OS: p.OS, Created: v1.Time{Time: epoch},
			RootFS: v1.RootFS{Type: "layers", DiffIDs: diffs}, Config: v1.Config{Labels: labels}}
		cb, err := jsonBlob(types.OCIConfigJSON, cfg)
		if err != nil {
			return blob{}, nil, err
		}
		m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: cb.desc, Layers: descs,
			Annotations: map[string]string{NameAnnotation: name}}
		mb, err := jsonBlob(types.OCIManifestSchema1, m)
		if err != nil {
			return blob{}, nil, err
		}
		pl := p
		mb.desc.Platform = &pl
		small = append(small, cb, mb)
		idx.Manifests = append(idx.Manifests, mb.desc)
	}
	ib, err := jsonBlob(types.OCIImageIndex, idx)
	return ib, small, err
}
