package bundle

import (
	"encoding/json"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The archive seen as go-containerregistry objects, for remote.Write*.
// Every blob read through them is checked against its digest at the end.

type archiveIndex struct{ b *Bundle }

func (a archiveIndex) MediaType() (types.MediaType, error) { return a.b.index.MediaType, nil }
func (a archiveIndex) Digest() (v1.Hash, error)            { return a.b.index.Digest, nil }
func (a archiveIndex) Size() (int64, error)                { return a.b.index.Size, nil }
func (a archiveIndex) RawManifest() ([]byte, error)        { return a.b.smallBlob(a.b.index, "index") }

func (a archiveIndex) IndexManifest() (*v1.IndexManifest, error) {
	raw, err := a.RawManifest()
	if err != nil {
		return nil, err
	}
	var m v1.IndexManifest
	return &m, json.Unmarshal(raw, &m)
}

func (a archiveIndex) Image(h v1.Hash) (v1.Image, error) {
	for _, im := range a.b.images {
		if im.desc.Digest == h {
			return partial.CompressedToImage(archiveImage{b: a.b, desc: im.desc, m: im.manifest})
		}
	}
	return nil, fmt.Errorf("bundle %s: no image %s", a.b.Path, h)
}

func (a archiveIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	return nil, fmt.Errorf("bundle %s: no nested index %s", a.b.Path, h)
}

// archiveImage is one manifest of the archive (a platform's image, or a
// signature).
type archiveImage struct {
	b    *Bundle
	desc v1.Descriptor
	m    *v1.Manifest
}

func (a archiveImage) MediaType() (types.MediaType, error) { return a.desc.MediaType, nil }
func (a archiveImage) RawManifest() ([]byte, error)        { return a.b.smallBlob(a.desc, "manifest") }
func (a archiveImage) RawConfigFile() ([]byte, error) {
	return a.b.smallBlob(a.m.Config, "config")
}

func (a archiveImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == a.m.Config.Digest {
		return archiveLayer{b: a.b, desc: a.m.Config, name: "config"}, nil
	}
	for _, l := range a.m.Layers {
		if l.Digest == h {
			return archiveLayer{b: a.b, desc: l, name: a.b.nameOf(h)}, nil
		}
	}
	return nil, fmt.Errorf("bundle %s: manifest %s has no layer %s", a.b.Path, short(a.desc.Digest), short(h))
}

// archiveLayer is an uncompressed layer: its digest is its diff id.
type archiveLayer struct {
	b    *Bundle
	desc v1.Descriptor
	name string
}

func (l archiveLayer) Digest() (v1.Hash, error)            { return l.desc.Digest, nil }
func (l archiveLayer) DiffID() (v1.Hash, error)            { return l.desc.Digest, nil }
func (l archiveLayer) Size() (int64, error)                { return l.desc.Size, nil }
func (l archiveLayer) MediaType() (types.MediaType, error) { return l.desc.MediaType, nil }

func (l archiveLayer) Compressed() (io.ReadCloser, error) {
	r, err := l.b.blob(l.desc, l.name)
	if err != nil {
		return nil, err
	}
	return &digestReader{r: r, h: newHash(), d: l.desc.Digest, name: l.name}, nil
}

// signatureImage is the archive's signature manifest d as an image.
func (b *Bundle) signatureImage(d v1.Descriptor) (v1.Image, error) {
	data, err := b.smallBlob(d, "signature manifest")
	if err != nil {
		return nil, err
	}
	var m v1.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("signature manifest %s: %w", short(d.Digest), err)
	}
	return partial.CompressedToImage(archiveImage{b: b, desc: d, m: &m})
}
