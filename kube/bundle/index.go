package bundle

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// readIndex reads the index, its manifests and configs, and bundle.json.
func (b *Bundle) readIndex() error {
	data, err := b.smallBlob(b.index, "index")
	if err != nil {
		return err
	}
	var idx v1.IndexManifest
	if err := json.Unmarshal(data, &idx); err != nil {
		return fmt.Errorf("index %s: %w", short(b.index.Digest), err)
	}
	if len(idx.Manifests) == 0 {
		return fmt.Errorf("index %s lists no images", short(b.index.Digest))
	}
	for _, d := range idx.Manifests {
		what := "manifest " + platformString(d.Platform)
		data, err := b.smallBlob(d, what)
		if err != nil {
			return err
		}
		var m v1.Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if _, err := b.smallBlob(m.Config, "config of "+what); err != nil {
			return err
		}
		b.images = append(b.images, imageRef{desc: d, manifest: &m})
	}
	return b.readLayers()
}

// readLayers indexes the layers by file and reads bundle.json.
func (b *Bundle) readLayers() error {
	first := b.images[0].manifest.Layers
	for _, im := range b.images[1:] {
		if !sameLayers(first, im.manifest.Layers) {
			return fmt.Errorf("manifest %s lists other layers than manifest %s", platformString(im.desc.Platform), platformString(b.images[0].desc.Platform))
		}
	}
	b.layers = map[string]v1.Descriptor{}
	for _, l := range first {
		p := l.Annotations[TitleAnnotation]
		if p == "" || !filepath.IsLocal(p) {
			return fmt.Errorf("layer %s has no file path (annotation %s) inside the bundle", short(l.Digest), TitleAnnotation)
		}
		b.layers[p] = l
	}
	if _, ok := b.layers[MetaPath]; !ok {
		return errors.New("no layer holds " + MetaPath)
	}
	data, err := b.ReadFile(MetaPath)
	if err != nil {
		return err
	}
	if err := b.setMeta(data); err != nil {
		return err
	}
	for _, f := range b.Meta.Files {
		if _, ok := b.layers[f.Path]; !ok {
			return fmt.Errorf("%s lists %s, which no layer holds", MetaPath, f.Path)
		}
	}
	for p := range b.layers {
		if _, ok := b.Meta.File(p); !ok && p != MetaPath {
			return fmt.Errorf("layer %s holds %s, which %s does not list", short(b.layers[p].Digest), p, MetaPath)
		}
	}
	return nil
}

func sameLayers(a, b []v1.Descriptor) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Digest != b[i].Digest {
			return false
		}
	}
	return true
}

func platformString(p *v1.Platform) string {
	if p == nil {
		return "(no platform)"
	}
	return p.String()
}
