package app

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/edgectl/edgectl/runtime/worker"
)

// workerFromBundle places the shard of f.device from f.bundle in the data
// directory (only that device's weight blobs are read, each checked), so
// that coordinators open it without uploading the model, and makes the
// worker refuse tiles whose weights the shard lacks. When the device's
// class has a plugin in the bundle and no --plugin is given, the plugin is
// taken from the bundle (into the data directory).
func workerFromBundle(cfg *worker.Config, f *workerFlags, dir string, log *slog.Logger, errw io.Writer) error {
	b, err := openBundle(f.bundle, f.pubkey, f.requireSig, errw)
	if err != nil {
		return err
	}
	defer b.Close()
	if f.device == "" {
		return fmt.Errorf("--bundle needs --device NAME, the plan device this worker is (one of %s)", strings.Join(b.Meta.DeviceNames(), ", "))
	}
	s, err := b.PlaceModel(f.device, dir)
	if err != nil {
		return err
	}
	cfg.HasWeights, cfg.WeightsOrigin = s.Has, fmt.Sprintf("bundle shard of device %q", f.device)
	log.Info("bundle shard placed", "bundle", b.Meta.Name, "device", f.device, "model", s.Model, "weights", len(s.Weights), "weight_slices", len(s.Parts), "weight_bytes", s.Bytes)
	d, ok := b.Meta.Device(f.device)
	if !ok || f.plugin != "" {
		return nil
	}
	if f.deviceClass == "" {
		f.deviceClass = d.Class
	}
	p, ok := b.Meta.Plugin(d.Class)
	if !ok {
		return nil
	}
	data, err := b.ReadFile(p.Path)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "plugins", filepath.Base(p.Path))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	f.plugin, f.pluginSHA = path, p.SHA256
	return nil
}
