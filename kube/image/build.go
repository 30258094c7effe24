package image

import (
	"context"
	"fmt"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Result is a built image: the index and, in the same order, each
// platform's image.
type Result struct {
	Index  v1.ImageIndex
	Images []PlatformImage
}

// PlatformImage is the image of one platform.
type PlatformImage struct {
	Platform   v1.Platform
	Image      v1.Image
	BinarySize int64
}

// Digest is the index's digest: the image's name by content.
func (r *Result) Digest() (v1.Hash, error) { return r.Index.Digest() }

// Build makes the image for every platform of o (compiling the platforms
// without a prebuilt binary) and an OCI index of them.
func Build(ctx context.Context, o Options) (*Result, error) {
	plats, err := o.ParsePlatforms()
	if err != nil {
		return nil, err
	}
	base, err := tarLayer(baseEntries(), o.Created)
	if err != nil {
		return nil, fmt.Errorf("base layer: %w", err)
	}
	tmp, err := os.MkdirTemp("", "edgectl-image-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	res := &Result{}
	var adds []mutate.IndexAddendum
	for _, p := range plats {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pi, err := o.platformImage(ctx, p, base, tmp)
		if err != nil {
			return nil, err
		}
		d, err := pi.Image.Digest()
		if err != nil {
			return nil, fmt.Errorf("platform %s: %w", p, err)
		}
		size, err := compressedSize(pi.Image)
		if err != nil {
			return nil, fmt.Errorf("platform %s: %w", p, err)
		}
		o.logf("%s: image %s (binary %s, %s compressed)", p, d, mb(pi.BinarySize), mb(size))
		res.Images = append(res.Images, *pi)
		adds = append(adds, mutate.IndexAddendum{Add: pi.Image, Descriptor: v1.Descriptor{Platform: &p}})
	}
	idx := mutate.IndexMediaType(mutate.AppendManifests(empty.Index, adds...), types.OCIImageIndex)
	res.Index = mutate.Annotations(idx, o.labels()).(v1.ImageIndex)
	return res, nil
}

// platformImage gets (or compiles) p's binary and appends it onto base.
func (o *Options) platformImage(ctx context.Context, p v1.Platform, base v1.Layer, tmp string) (*PlatformImage, error) {
	path := o.binaryFor(p)
	if path == "" {
		var err error
		if path, err = o.compile(ctx, p, tmp); err != nil {
			return nil, err
		}
	} else {
		o.logf("%s: prebuilt binary %s", p, path)
	}
	bin, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("platform %s: %w", p, err)
	}
	if err := checkBinary(path, bin, p); err != nil {
		return nil, err
	}
	layer, err := tarLayer(binaryEntries(bin), o.Created)
	if err != nil {
		return nil, fmt.Errorf("platform %s: binary layer: %w", p, err)
	}
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	hist := func(what string) v1.History {
		return v1.History{Created: v1.Time{Time: o.Created}, CreatedBy: "edgectl image build: " + what, Comment: p.String()}
	}
	img, err = mutate.Append(img,
		mutate.Addendum{Layer: base, History: hist("users, /tmp, " + DataDir), MediaType: types.OCILayer},
		mutate.Addendum{Layer: layer, History: hist(BinaryPath), MediaType: types.OCILayer})
	if err != nil {
		return nil, fmt.Errorf("platform %s: %w", p, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("platform %s: %w", p, err)
	}
	cf = cf.DeepCopy()
	o.config(cf, p)
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return nil, fmt.Errorf("platform %s: %w", p, err)
	}
	img = mutate.Annotations(img, o.labels()).(v1.Image)
	return &PlatformImage{Platform: p, Image: img, BinarySize: int64(len(bin))}, nil
}

func compressedSize(img v1.Image) (int64, error) {
	layers, err := img.Layers()
	if err != nil {
		return 0, err
	}
	var n int64
	for _, l := range layers {
		s, err := l.Size()
		if err != nil {
			return 0, err
		}
		n += s
	}
	return n, nil
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
