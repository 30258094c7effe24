package image

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Format is how an image is written to a file or directory.
type Format string

const (
	// FormatLayout is an OCI image layout directory, every platform.
	FormatLayout Format = "oci-layout"
	// FormatTarball is an OCI archive: the layout in one tar file, every
	// platform (podman load, docker load from Docker 25, skopeo).
	FormatTarball Format = "tarball"
	// FormatDocker is a docker archive (`docker save` format) of one
	// platform, for older Docker versions.
	FormatDocker Format = "docker-archive"
)

// Formats lists the formats by name.
var Formats = []Format{FormatLayout, FormatTarball, FormatDocker}

// FormatFor returns the format named s, or, when s is empty, the one
// path suggests: a tarball for a name ending in .tar, else a layout.
func FormatFor(s, path string) (Format, error) {
	if s == "" {
		if strings.HasSuffix(path, ".tar") {
			return FormatTarball, nil
		}
		return FormatLayout, nil
	}
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("format %q: want one of oci-layout, tarball, docker-archive", s)
}

// Write writes the image to path in format f, named ref.
func Write(path string, f Format, res *Result, ref name.Reference) error {
	switch f {
	case FormatLayout:
		return WriteLayout(path, res.Index, ref)
	case FormatTarball:
		return WriteFile(path, func(w io.Writer) error { return WriteArchive(w, res.Index, ref) })
	case FormatDocker:
		if len(res.Images) != 1 {
			return fmt.Errorf("%s: %w; the image has %d (build one platform, or write an OCI archive)", path, ErrDockerOnePlatform, len(res.Images))
		}
		return WriteFile(path, func(w io.Writer) error { return WriteDockerArchive(w, res.Images[0].Image, ref) })
	}
	return fmt.Errorf("%s: unknown format %q", path, f)
}

// ErrDockerOnePlatform is returned (wrapped) for a docker archive of more
// than one platform.
var ErrDockerOnePlatform = errors.New("a docker archive holds one platform")
