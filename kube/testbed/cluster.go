package testbed

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// ProfileClasses measures each class's latency profile in place, on the
// class's first device of f (coord.ProfileWorker: the worker measures
// inside its container, under its quota), and writes it to
// DIR/profiles/CLASS.yaml. It returns the profiles by class name.
func (tb *Testbed) ProfileClasses(ctx context.Context, f Fleet, progress func(class string, done, total int, what string)) (map[string]*costmodel.Profile, error) {
	if err := os.MkdirAll(filepath.Join(tb.st.Dir(), "profiles"), 0o755); err != nil {
		return nil, err
	}
	out := map[string]*costmodel.Profile{}
	first := 0
	ws := f.Connected().Workers
	for _, c := range tb.st.Classes {
		if first >= len(ws) {
			break
		}
		addr := ws[first].Addr
		first += c.Count
		tb.logf("profiling class %s on %s (%s)", c.Name, DeviceName(first-c.Count), addr)
		p, err := coord.ProfileWorker(ctx, addr, tb.Auth(), 0, func(done, total int, what string) {
			if progress != nil {
				progress(c.Name, done, total, what)
			}
		})
		if err != nil {
			return nil, fmt.Errorf("testbed: profile of class %s: %w", c.Name, err)
		}
		data, err := p.Encode()
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(tb.ProfilePath(c.Name), data, 0o644); err != nil {
			return nil, err
		}
		out[c.Name] = p
	}
	return out, nil
}

// ProfilePath is where class's profile is written.
func (tb *Testbed) ProfilePath(class string) string {
	return filepath.Join(tb.st.Dir(), "profiles", class+".yaml")
}

// ProbeNetwork measures the links of f's devices as edgectl netprobe
// does (each device to the next, the coordinator to each) and returns
// them for cluster.Network.WithMeasured.
func (tb *Testbed) ProbeNetwork(ctx context.Context, f Fleet, o coord.ProbeOptions) ([]cluster.Measured, []coord.LinkResult, error) {
	var eps []coord.Endpoint
	for i, w := range f.Connected().Workers {
		eps = append(eps, coord.Endpoint{Name: f.Names()[i], Addr: w.Addr})
	}
	tb.logf("probing %d links at %s", len(coord.RingPairs(eps, cluster.Coordinator)), bitString(tb.st.Bandwidth))
	res, err := coord.ProbeLinks(ctx, tb.Auth(), coord.RingPairs(eps, cluster.Coordinator), o)
	if err != nil {
		return nil, res, err
	}
	var m []cluster.Measured
	var errs []error
	for _, r := range res {
		if r.Err != nil {
			errs = append(errs, r.Err)
			continue
		}
		m = append(m, cluster.Measured{From: r.From.Name, To: r.To.Name, Bandwidth: cluster.Bandwidth(r.BitsPerSec),
			RTT: cluster.Duration(r.RTT), PerMessage: cluster.Duration(r.PerMessage)})
	}
	return m, res, errors.Join(errs...)
}

// Network is the cluster file's network before it is measured: the
// shaped rate, and a round trip and per-message cost of a veth pair.
func (tb *Testbed) Network() cluster.Network {
	return cluster.Network{Medium: tb.st.Medium, Bandwidth: cluster.Bandwidth(tb.st.Bandwidth),
		RTT: cluster.Duration(time.Millisecond), PerMessage: cluster.Duration(time.Millisecond)}
}

// Cluster is the cluster file of the testbed's first n devices, with the
// network n, the classes' profiles where profiled has them (paths
// relative to the testbed's folder), else their speed (their CPU quota,
// as a fraction of one core of this machine).
func (tb *Testbed) Cluster(n int, net cluster.Network, profiled map[string]bool) (*cluster.Cluster, error) {
	c := &cluster.Cluster{APIVersion: cluster.APIVersion, Kind: cluster.Kind, Network: net,
		Auth: cluster.Auth{TokenFile: filepath.Base(tb.st.TokenFile)}, File: filepath.Join(tb.st.Dir(), "cluster.yaml"), Dir: tb.st.Dir()}
	used := map[string]bool{}
	for i := range n {
		cl, ok := ClassOf(tb.st.Classes, i)
		if !ok {
			return nil, fmt.Errorf("testbed: device %d: it has %d", i, DeviceCount(tb.st.Classes))
		}
		if !used[cl.Name] {
			used[cl.Name] = true
			k := cluster.Class{Name: cl.Name, Threads: 1, Memory: cluster.Bytes(cl.Memory)}
			if profiled[cl.Name] {
				k.Profile = filepath.Join("profiles", cl.Name+".yaml")
			} else {
				k.Speed = cl.CPUs
			}
			c.Classes = append(c.Classes, k)
		}
		d := cluster.Device{Name: DeviceName(i), Class: cl.Name}
		if i < len(tb.st.Devices) {
			d.Address = tb.st.Devices[i].Addr
		}
		if d.Address == "" {
			return nil, fmt.Errorf("testbed: %s has no address: start it first", d.Name)
		}
		c.Devices = append(c.Devices, d)
	}
	return c, c.Validate()
}

// WriteCluster writes c to path with a header saying where it came from.
func (tb *Testbed) WriteCluster(path string, c *cluster.Cluster) error {
	data, err := c.Encode()
	if err != nil {
		return err
	}
	head := fmt.Sprintf("# The devices of edgectl testbed %s (%s): containers with CPU quotas on a\n"+
		"# bridge shaped to %s (%s medium). Written by edgectl testbed; edgectl\n"+
		"# testbed down removes the devices, after which these addresses are stale.\n",
		tb.st.ID, tb.st.Dir(), bitString(tb.st.Bandwidth), tb.st.Medium)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append([]byte(head), data...), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
