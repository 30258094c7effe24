package image

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Engines are the container CLIs Load tries, in order.
var Engines = []string{"podman", "docker"}

// FindEngine returns the first of Engines that is installed and answers
// `version` (docker answers only with its daemon running).
func FindEngine(ctx context.Context) (string, error) {
	var tried []string
	for _, e := range Engines {
		path, err := exec.LookPath(e)
		if err != nil {
			tried = append(tried, e+": not installed")
			continue
		}
		out, err := exec.CommandContext(ctx, path, "version").CombinedOutput()
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s: %v: %s", e, err, lastLine(out)))
			continue
		}
		return path, nil
	}
	return "", fmt.Errorf("no container engine to load the image into (%s); install podman (make image-deps) or start Docker", strings.Join(tried, "; "))
}

// Load loads the image into engine (a path or name of podman or docker)
// under ref and returns what the engine printed. Podman gets the OCI
// archive of every platform and keeps the one it runs on; Docker gets a
// docker archive of the platform of this machine, which every Docker
// version loads.
func Load(ctx context.Context, engine string, res *Result, ref name.Reference) (string, error) {
	tmp, err := os.MkdirTemp("", "edgectl-image-load-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	file := filepath.Join(tmp, "image.tar")
	base := filepath.Base(engine)
	if strings.Contains(base, "podman") {
		err = WriteFile(file, func(w io.Writer) error { return WriteArchive(w, res.Index, ref) })
	} else {
		var pi *PlatformImage
		if pi, err = res.HostImage(); err == nil {
			err = WriteFile(file, func(w io.Writer) error { return WriteDockerArchive(w, pi.Image, ref) })
		}
	}
	if err != nil {
		return "", fmt.Errorf("load into %s: %w", base, err)
	}
	cmd := exec.CommandContext(ctx, engine, "load", "-i", file)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s load: %v: %s", base, err, strings.TrimSpace(out.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// HostImage returns the image of the platform this machine runs (linux
// and this architecture), for engines that take one platform.
func (r *Result) HostImage() (*PlatformImage, error) {
	var have []string
	for i := range r.Images {
		p := r.Images[i].Platform
		if p.OS == "linux" && p.Architecture == goruntime.GOARCH {
			return &r.Images[i], nil
		}
		have = append(have, p.String())
	}
	return nil, fmt.Errorf("the image has no linux/%s platform to load here (it has %s)", goruntime.GOARCH, strings.Join(have, ", "))
}

// Platforms lists the index's platforms.
func Platforms(idx v1.ImageIndex) ([]v1.Platform, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	var ps []v1.Platform
	for _, m := range im.Manifests {
		if m.Platform == nil {
			return nil, fmt.Errorf("manifest %s has no platform", m.Digest)
		}
		ps = append(ps, *m.Platform)
	}
	return ps, nil
}

func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
