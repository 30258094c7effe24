package bundle

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Shard is what PlaceModel put in a data directory.
type Shard struct {
	Device string
	// Model is the SHA-256 the model file is stored under (models/Model
	// in the data directory, runtime/worker's ModelPath).
	Model string
	// Weights are the constants whose data the file holds; every other
	// constant is a hole.
	Weights map[string]bool
	// Bytes is how many bytes of weights were read.
	Bytes int64
}

// Has says whether the shard holds the constant called name.
func (s *Shard) Has(name string) bool { return s.Weights[name] }

// AllDevices asks PlaceModel for every weight (a check against one
// device needs the whole model).
const AllDevices = "*"

// PlaceModel writes the model file of device (a plan device; "" for the
// coordinator, which reads only the common weights; AllDevices) into dataDir/models:
// the .edgeir file with the graph and only the weights of the device's
// stages, the others left as holes (a sparse file of the model's size).
// Only those blobs are read, and each is checked as it is read.
func (b *Bundle) PlaceModel(device, dataDir string) (*Shard, error) {
	paths := []string{CommonWeights}
	if device == AllDevices {
		paths = nil
		for _, w := range b.Meta.Weights {
			paths = append(paths, w.Path)
		}
	} else if device != "" {
		d, ok := b.Meta.Device(device)
		if !ok {
			return nil, fmt.Errorf("bundle %s: device %q is not in its plan (devices: %v)", b.Path, device, b.Meta.DeviceNames())
		}
		paths = d.Weights
	}
	dir := filepath.Join(dataDir, "models")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, ".bundle-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	s := &Shard{Device: device, Model: b.Meta.Model.SHA256, Weights: map[string]bool{}}
	err = b.copyFile(GraphPath, tmp, 0, b.Meta.Model.WeightsStart)
	for _, w := range b.Meta.weightsOf(paths) {
		if err != nil {
			break
		}
		err = b.placeWeights(w, tmp, s)
	}
	if err == nil {
		err = tmp.Truncate(b.Meta.Model.Size)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, s.Model))
	}
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", b.Path, err)
	}
	return s, nil
}

// copyFile copies the bundle file path (of want bytes) to out at off.
func (b *Bundle) copyFile(path string, out *os.File, off, want int64) error {
	rc, size, err := b.OpenFile(path)
	if err != nil {
		return err
	}
	defer rc.Close()
	if size != want {
		return fmt.Errorf("bundle file %s has %d bytes, want %d", path, size, want)
	}
	if _, err := io.Copy(io.NewOffsetWriter(out, off), rc); err != nil {
		return err
	}
	return nil
}

// placeWeights writes each constant of w at its place in the model file.
func (b *Bundle) placeWeights(w Weights, out *os.File, s *Shard) error {
	rc, size, err := b.OpenFile(w.Path)
	if err != nil {
		return err
	}
	defer rc.Close()
	var pos int64
	for _, c := range w.Consts {
		if c.Offset < 0 || c.Bytes < 0 || b.Meta.Model.WeightsStart+c.Offset+c.Bytes > b.Meta.Model.Size {
			return fmt.Errorf("bundle file %s: constant %q lies outside the model", w.Path, c.Name)
		}
		if _, err := io.CopyN(io.NewOffsetWriter(out, b.Meta.Model.WeightsStart+c.Offset), rc, c.Bytes); err != nil {
			return fmt.Errorf("bundle file %s: constant %q: %w", w.Path, c.Name, err)
		}
		pad := (align - c.Bytes%align) % align
		if _, err := io.CopyN(io.Discard, rc, pad); err != nil {
			return fmt.Errorf("bundle file %s: %w", w.Path, err)
		}
		pos += c.Bytes + pad
		s.Weights[c.Name] = true
		s.Bytes += c.Bytes
	}
	if pos != size {
		return fmt.Errorf("bundle file %s has %d bytes, its constants %d", w.Path, size, pos)
	}
	// Read to the end, where the reader checks the digests.
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return err
	}
	return nil
}
