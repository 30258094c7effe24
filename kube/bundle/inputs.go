package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner/cluster"
)

// appName is the application's name: o.Name, else the plan's model, else
// the model file's base name, made a DNS label.
func appName(o Options, plan *graphir.Plan) (string, error) {
	if o.Name != "" {
		if !IsDNSLabel(o.Name) || len(o.Name) > 40 {
			return "", fmt.Errorf("name %q: want at most 40 lowercase letters, digits and '-', starting with a letter", o.Name)
		}
		return o.Name, nil
	}
	n := plan.Model
	if n == "" {
		n = strings.TrimSuffix(filepath.Base(o.Model), filepath.Ext(o.Model))
	}
	return DNSLabel(n, 40), nil
}

type plugin struct{ src, class string }

// pluginFiles lists the cluster classes' plugins, checked against the
// digests the cluster file gives, and the extra files.
func pluginFiles(cl *cluster.Cluster, extra []string) ([]plugin, error) {
	var out []plugin
	seen := map[string]bool{}
	for _, c := range cl.Classes {
		if c.Kernels == nil {
			continue
		}
		p := cl.Path(c.Kernels.Plugin)
		sum, err := fileSHA256(p)
		if err != nil {
			return nil, fmt.Errorf("class %q plugin: %w", c.Name, err)
		}
		if sum != c.Kernels.SHA256 {
			return nil, fmt.Errorf("class %q plugin %s: sha256 is %s, the cluster file says %s", c.Name, p, sum, c.Kernels.SHA256)
		}
		out, seen[filepath.Base(p)] = append(out, plugin{p, c.Name}), true
	}
	for _, p := range extra {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("plugin: %w", err)
		}
		if seen[filepath.Base(p)] {
			continue
		}
		out, seen[filepath.Base(p)] = append(out, plugin{p, ""}), true
	}
	return out, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func deviceNames(c *cluster.Cluster) []string {
	var out []string
	for _, d := range c.Devices {
		out = append(out, d.Name)
	}
	return out
}
