package bundle

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Shard is what PlaceModel put in a data directory.
type Shard struct {
	Device string
	// Model is the SHA-256 the model file is stored under (models/Model
	// in the data directory, runtime/worker's ModelPath).
	Model string
	// Weights are the constants whose data the file holds whole, Parts
	// those of which it holds only byte ranges [lo, hi) of the data (the
	// device's slices of a channel-split layer), in order; the rest is a
	// hole.
	Weights map[string]bool
	Parts   map[string][][2]int64
	// Bytes is how many bytes of weights were read.
	Bytes int64
}

// Has says whether the shard holds the byte ranges runs of the constant
// called name (nil: all of it), as runtime/worker's Config.HasWeights
// asks.
func (s *Shard) Has(name string, runs [][2]int64) bool {
	if s.Weights[name] {
		return true
	}
	held := s.Parts[name]
	if runs == nil || held == nil {
		return false
	}
	for _, r := range runs {
		i := sort.Search(len(held), func(i int) bool { return held[i][1] >= r[1] })
		if r[0] < r[1] && (i == len(held) || held[i][0] > r[0]) {
			return false
		}
	}
	return true
}

// addPart notes that the shard holds bytes r of constant c, and makes c
// whole once its parts cover it (every device's slices placed).
func (s *Shard) addPart(c Const, r [2]int64) {
	ps := append(s.Parts[c.Name], r)
	sort.Slice(ps, func(i, j int) bool { return ps[i][0] < ps[j][0] })
	merged := ps[:1]
	for _, p := range ps[1:] {
		if last := &merged[len(merged)-1]; p[0] <= last[1] {
			last[1] = max(last[1], p[1])
			continue
		}
		merged = append(merged, p)
	}
	s.Parts[c.Name] = merged
	if len(merged) == 1 && merged[0][0] == 0 && merged[0][1] >= c.Bytes {
		delete(s.Parts, c.Name)
		s.Weights[c.Name] = true
	}
}

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
	s := &Shard{Device: device, Model: b.Meta.Model.SHA256, Weights: map[string]bool{}, Parts: map[string][][2]int64{}}
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
		runs := c.Runs
		if runs == nil {
			runs = [][2]int64{{0, c.Bytes}}
		}
		var at int64
		for _, r := range runs {
			if r[0] < at || r[1] <= r[0] || r[1] > c.Bytes {
				return fmt.Errorf("bundle file %s: constant %q: run %v is not in order inside its %d bytes", w.Path, c.Name, r, c.Bytes)
			}
			at = r[1]
			n := r[1] - r[0]
			if _, err := io.CopyN(io.NewOffsetWriter(out, b.Meta.Model.WeightsStart+c.Offset+r[0]), rc, n); err != nil {
				return fmt.Errorf("bundle file %s: constant %q: %w", w.Path, c.Name, err)
			}
			pad := (align - n%align) % align
			if _, err := io.CopyN(io.Discard, rc, pad); err != nil {
				return fmt.Errorf("bundle file %s: %w", w.Path, err)
			}
			pos += n + pad
			s.Bytes += n
			if c.Runs != nil {
				s.addPart(c, r)
			}
		}
		if c.Runs == nil {
			s.Weights[c.Name] = true
		}
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
