package testbed

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// UpOptions tune Up.
type UpOptions struct {
	// NoProfile leaves the classes without profiles: the cluster file
	// gives their speed (CPU quota) instead, for this machine's profile.
	NoProfile bool
	// ProfileCache is a folder of profiles measured before, by quota and
	// period; Reprofile measures anew all the same.
	ProfileCache string
	Reprofile    bool
	// NoProbe writes the shaped rate and guesses for the round trip and
	// per-message cost instead of measuring them.
	NoProbe bool
	Probe   coord.ProbeOptions
	// ProfileProgress reports a profile's progress.
	ProfileProgress func(class string, done, total int, what string)
}

// Up makes a testbed (Create), starts every device, profiles each class
// in place, measures the network and writes DIR/cluster.yaml, whose path
// it returns. The devices keep running until Down. On error, everything
// made is removed.
func Up(ctx context.Context, cfg Config, o UpOptions) (path string, err error) {
	tb, err := Create(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			if derr := Down(context.WithoutCancel(ctx), cfg.Dir, tb.run, tb.log); derr != nil {
				err = fmt.Errorf("%w; and removing the testbed: %v", err, derr)
			}
		}
	}()
	n := DeviceCount(cfg.Classes)
	var f Fleet
	if tb.st.Mode == "local" {
		f, err = tb.superviseUp(ctx, cfg)
	} else {
		f, err = tb.Provider().StartDevices(ctx, n)
	}
	if err != nil {
		return "", err
	}
	// The devices stay; only the coordinator's connections close.
	defer f.Connected().Close()
	return tb.Describe(ctx, f, o)
}

// Describe profiles the classes and probes the network of the running
// fleet f (all the testbed's devices), then writes DIR/cluster.yaml and
// returns its path.
func (tb *Testbed) Describe(ctx context.Context, f Fleet, o UpOptions) (string, error) {
	profiled := map[string]bool{}
	if !o.NoProfile {
		ps, err := tb.ProfileClasses(ctx, f, o.ProfileCache, o.Reprofile, o.ProfileProgress)
		if err != nil {
			return "", err
		}
		for c := range ps {
			profiled[c] = true
		}
	}
	net := tb.Network()
	if !o.NoProbe {
		m, _, err := tb.ProbeNetwork(ctx, f, o.Probe)
		if err != nil {
			return "", err
		}
		net = net.WithMeasured(m)
	}
	c, err := tb.Cluster(len(f.Connected().Workers), net, profiled)
	if err != nil {
		return "", err
	}
	path := filepath.Join(tb.st.Dir(), "cluster.yaml")
	if err := tb.WriteCluster(path, c); err != nil {
		return "", err
	}
	tb.st.Cluster = path
	return path, tb.st.Save()
}

// Measured is the network of the cluster file at path, for a cluster of
// fewer devices.
func Measured(path string) (cluster.Network, error) {
	c, err := cluster.Load(path)
	if err != nil {
		return cluster.Network{}, err
	}
	return c.Network, nil
}
