package bundle

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/edgectl/edgectl/planner/cluster"
)

// filesFor lists the files device needs ("" : all; cluster.Coordinator:
// what the coordinator reads, the common weights only).
func (m *Meta) filesFor(device string) ([]File, error) {
	if device == "" {
		return m.Files, nil
	}
	if device == cluster.Coordinator {
		var out []File
		for _, f := range m.Files {
			if f.Role != RolePlugin && f.Role != RoleManifests && (f.Role != RoleWeights || f.Path == CommonWeights) {
				out = append(out, f)
			}
		}
		return out, nil
	}
	d, ok := m.Device(device)
	if !ok {
		return nil, fmt.Errorf("device %q is not in the bundle's plan (devices: %v)", device, m.DeviceNames())
	}
	var out []File
	for _, f := range m.Files {
		switch f.Role {
		case RoleWeights:
			if !contains(d.Weights, f.Path) {
				continue
			}
		case RolePlugin:
			if f.Class != d.Class {
				continue
			}
		case RoleManifests:
			continue
		}
		out = append(out, f)
	}
	return out, nil
}

// extractLayer writes the one file of the tar layer r as dir/path, then
// checks the layer digest (r) and the file's sha256 (sum, when set).
func extractLayer(r io.Reader, dir, path, sum string) error {
	if !filepath.IsLocal(path) {
		return fmt.Errorf("bundle file %q is not a path inside the bundle", path)
	}
	tr := tar.NewReader(r)
	h, err := tr.Next()
	if err != nil || h.Typeflag != tar.TypeReg || filepath.Clean(h.Name) != filepath.Clean(path) {
		return fmt.Errorf("layer of %s is not a tar holding it", path)
	}
	dst := filepath.Join(dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".pull-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	fh := newHash()
	_, err = io.Copy(io.MultiWriter(tmp, fh), tr)
	if err == nil {
		_, err = io.Copy(io.Discard, r) // the rest of the layer, for its digest
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("bundle file %s: %w", path, err)
	}
	if sum != "" && fmt.Sprintf("%x", fh.Sum(nil)) != sum {
		return fmt.Errorf("bundle file %s: content does not match its sha256 in %s", path, MetaPath)
	}
	return os.Rename(tmp.Name(), dst)
}
