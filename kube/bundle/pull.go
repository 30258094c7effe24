package bundle

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Pull downloads the bundle at ref (and its signature, checked when
// o.PublicKey is set) into an archive at out. It returns the index digest.
func Pull(ctx context.Context, ref, out string, o PullOptions) (v1.Hash, error) {
	_, idx, sig, err := fetchIndex(ctx, ref, o)
	if err != nil {
		return v1.Hash{}, err
	}
	d, _ := idx.Digest()
	im, err := idx.IndexManifest()
	if err != nil {
		return v1.Hash{}, err
	}
	raw, err := idx.RawManifest()
	if err != nil {
		return v1.Hash{}, err
	}
	mt, _ := idx.MediaType()
	size, _ := idx.Size()
	top := v1.Descriptor{MediaType: mt, Size: size, Digest: d, Annotations: map[string]string{"org.opencontainers.image.ref.name": "latest"}}
	srcs := []source{memSource(blob{desc: top, data: raw}, "index")}
	for _, m := range im.Manifests {
		img, err := idx.Image(m.Digest)
		if err != nil {
			return v1.Hash{}, err
		}
		s, err := imageSources(img, m)
		if err != nil {
			return v1.Hash{}, err
		}
		srcs = append(srcs, s...)
	}
	tops := []v1.Descriptor{top}
	if sig != nil {
		sd, _ := sig.Digest()
		sz, _ := sig.Size()
		desc := v1.Descriptor{MediaType: types.OCIManifestSchema1, Size: sz, Digest: sd,
			Annotations: map[string]string{SignatureOfAnnotation: d.String()}}
		s, err := imageSources(sig, desc)
		if err != nil {
			return v1.Hash{}, err
		}
		srcs, tops = append(srcs, s...), append(tops, desc)
	}
	for i := range srcs {
		s := srcs[i]
		open := s.open
		srcs[i].open = func() (io.ReadCloser, error) {
			o.say("pulling %s (%d bytes)", s.name, s.desc.Size)
			return open()
		}
	}
	if err := writeArchive(out, tops, srcs); err != nil {
		return v1.Hash{}, err
	}
	return d, nil
}

// imageSources lists an image's manifest, config and layers as sources.
func imageSources(img v1.Image, desc v1.Descriptor) ([]source, error) {
	raw, err := img.RawManifest()
	if err != nil {
		return nil, err
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return nil, err
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	out := []source{memSource(blob{desc: v1.Descriptor{Digest: desc.Digest, Size: int64(len(raw))}, data: raw}, "manifest"),
		memSource(blob{desc: m.Config, data: cfg}, "config")}
	for _, l := range m.Layers {
		layer, err := img.LayerByDigest(l.Digest)
		if err != nil {
			return nil, err
		}
		what := l.Annotations[TitleAnnotation]
		if what == "" {
			what = "layer"
		}
		out = append(out, source{desc: l, name: what, open: layer.Compressed})
	}
	return out, nil
}

// Extract downloads from ref only the files that device needs (bundle.json,
// the plan, the cluster file, the graph, the device's weights and its
// class's plugin; device "" takes every file, and "coordinator"
// (cluster.Coordinator) what the coordinator reads) into the folder dir, each
// checked against its layer digest and its sha256. Open(dir) reads it.
func Extract(ctx context.Context, ref, dir, device string, o PullOptions) (v1.Hash, error) {
	_, idx, _, err := fetchIndex(ctx, ref, o)
	if err != nil {
		return v1.Hash{}, err
	}
	d, _ := idx.Digest()
	im, err := idx.IndexManifest()
	if err != nil || len(im.Manifests) == 0 {
		return v1.Hash{}, fmt.Errorf("pull %s: an index without images", ref)
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		return v1.Hash{}, err
	}
	m, err := img.Manifest()
	if err != nil {
		return v1.Hash{}, err
	}
	layers := map[string]v1.Descriptor{}
	for _, l := range m.Layers {
		layers[l.Annotations[TitleAnnotation]] = l
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return v1.Hash{}, err
	}
	get := func(path, sum string) error {
		l, ok := layers[path]
		if !ok {
			return fmt.Errorf("pull %s: no layer holds %s", ref, path)
		}
		layer, err := img.LayerByDigest(l.Digest)
		if err != nil {
			return err
		}
		rc, err := layer.Compressed()
		if err != nil {
			return fmt.Errorf("pull %s: %s: %w", ref, path, err)
		}
		defer rc.Close()
		return extractLayer(&digestReader{r: rc, h: newHash(), d: l.Digest, name: path}, dir, path, sum)
	}
	if err := get(MetaPath, ""); err != nil {
		return v1.Hash{}, err
	}
	data, err := os.ReadFile(filepath.Join(dir, MetaPath))
	if err != nil {
		return v1.Hash{}, err
	}
	var meta Meta
	if err := json.Unmarshal(data, &meta); err != nil {
		return v1.Hash{}, fmt.Errorf("pull %s: %s: %w", ref, MetaPath, err)
	}
	if err := meta.check(); err != nil {
		return v1.Hash{}, err
	}
	want, err := meta.filesFor(device)
	if err != nil {
		return v1.Hash{}, err
	}
	for _, f := range want {
		if err := ctx.Err(); err != nil {
			return v1.Hash{}, err
		}
		o.say("pulling %s (%d bytes)", f.Path, f.Size)
		if err := get(f.Path, f.SHA256); err != nil {
			return v1.Hash{}, err
		}
	}
	return d, nil
}
