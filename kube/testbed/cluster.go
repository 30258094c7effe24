package testbed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"time"

	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/profile"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// ProfileClasses measures each class's latency profile in place, on the
// class's first device of f (coord.ProfileWorker: the worker measures
// inside its container, under its quota), all classes at once, and
// writes each to DIR/profiles/CLASS.yaml. With a cache folder, a profile
// measured before for the same quota and period is taken from it (and a
// new one stored there) unless remeasure. It returns the profiles by
// class name.
func (tb *Testbed) ProfileClasses(ctx context.Context, f Fleet, cache string, remeasure bool, progress func(class string, done, total int, what string)) (map[string]*costmodel.Profile, error) {
	if err := os.MkdirAll(filepath.Join(tb.st.Dir(), "profiles"), 0o755); err != nil {
		return nil, err
	}
	out := map[string]*costmodel.Profile{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(tb.st.Classes))
	first := 0
	ws := f.Connected().Workers
	for ci, c := range tb.st.Classes {
		if first >= len(ws) {
			break
		}
		addr, dev := ws[first].Addr, DeviceName(first)
		first += c.Count
		wg.Go(func() {
			p, err := tb.profileClass(ctx, c, addr, dev, cache, remeasure, progress)
			if err == nil {
				p, err = wallClock(p, c.CPUs)
			}
			var data []byte
			if err == nil {
				data, err = p.Encode()
			}
			if err == nil {
				err = os.WriteFile(tb.ProfilePath(c.Name), data, 0o644)
			}
			if err != nil {
				errs[ci] = fmt.Errorf("testbed: profile of class %s: %w", c.Name, err)
				return
			}
			mu.Lock()
			out[c.Name] = p
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// profileClass measures class c on the worker at addr, or reads it from
// the cache.
func (tb *Testbed) profileClass(ctx context.Context, c Class, addr, dev, cache string, remeasure bool, progress func(class string, done, total int, what string)) (*costmodel.Profile, error) {
	cached := ""
	if cache != "" {
		// The key has the kernel tier: the devices run this checkout's
		// kernels on this CPU, and a profile of another tier (an image
		// built before an AVX-512 tier, say) predicts another machine;
		// the cost model's version, whose kinds and terms a profile
		// measured by an older edgectl lacks; and the build the devices
		// run (the image's ID, or this binary's for local workers): a
		// profile of yesterday's kernels priced today's VGG-16 on one
		// device at 672 ms, measured 806.
		cached = filepath.Join(cache, fmt.Sprintf("%s-cpu%g-period%s-%s-%s-model%s-%s.yaml", tb.st.Mode, c.CPUs, tb.st.CPUPeriod, goruntime.GOARCH, profile.Tier(), costmodel.ModelVersion, tb.buildTag()))
		if data, err := os.ReadFile(cached); err == nil && !remeasure {
			p, err := costmodel.DecodeProfile(cached, data)
			if err == nil && (p.Tier != profile.Tier() || p.Host != profile.Host()) {
				tb.logf("class %s: the cached profile %s is of %s (%s), this machine is %s (%s): measuring again", c.Name, cached, p.Host, p.Tier, profile.Host(), profile.Tier())
			} else if err == nil {
				tb.logf("class %s: the profile measured for %g of a core over %s, %s", c.Name, c.CPUs, tb.st.CPUPeriod, cached)
				return p, nil
			}
		}
	}
	tb.logf("profiling class %s on %s (%s)", c.Name, dev, addr)
	p, err := coord.ProfileWorker(ctx, addr, tb.Auth(), 0, func(done, total int, what string) {
		if progress != nil {
			progress(c.Name, done, total, what)
		}
	})
	if err != nil {
		return nil, err
	}
	if cached != "" {
		if data, err := p.Encode(); err == nil && os.MkdirAll(cache, 0o755) == nil {
			os.WriteFile(cached, data, 0o644)
		}
	}
	return p, nil
}

// buildTag names the build of edgectl the devices run, for the profile
// cache: the image's ID with containers; with local workers, which run
// this executable, a digest of its file (a VCS stamp may be missing or
// shared by uncommitted builds).
func (tb *Testbed) buildTag() string {
	id := strings.TrimPrefix(tb.st.ImageID, "sha256:")
	if tb.st.Mode == "local" || id == "" {
		id = executableDigest()
	}
	if id == "" {
		return "unknown"
	}
	return "build" + id[:min(12, len(id))]
}

// executableDigest is the sha256 of this process's executable file, hex;
// "" when it cannot be read.
var executableDigest = sync.OnceValue(func() string {
	path, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
})

// wallClock turns a profile measured under a CPU quota of cpus cores into
// one of wall-clock time. runtime/profile times one-thread runs by the
// thread's CPU time, which a quota does not stretch (measured in a
// container of 0.2 of a core: 1.07x the host's, median of 1141
// micro-benchmarks), so a device's wall time is that divided by its
// quota: the profile's Speed. With more threads the wall clock is used,
// and the profile stays as measured.
func wallClock(p *costmodel.Profile, cpus float64) (*costmodel.Profile, error) {
	if p.Threads != 1 {
		return p, nil
	}
	if p.Speed != 0 && p.Speed != 1 {
		return nil, fmt.Errorf("the profile has a speed of %g already", p.Speed)
	}
	return p.Scaled(cpus), nil
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
			k := tb.clusterClass(cl)
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

// quotaStalls is how many times a job on a device waits out the rest of
// its CPU quota's period: a device that has just computed has used its
// quota, and taking the call, receiving the inputs, computing and sending
// the outputs each may wait for the next period. Calibrated on YOLOv2 on
// 8 devices of 0.2 of a core (10 ms period) at 100 Mbit/s: its stages of
// under a millisecond of predicted compute measured a median 33 ms more
// than predicted (4 x 8 ms).
const quotaStalls = 4

// clusterClass is class c in a cluster file, without its profile or speed:
// one thread a worker, its memory limit and its job overhead.
func (tb *Testbed) clusterClass(c Class) cluster.Class {
	return cluster.Class{Name: c.Name, Threads: 1, Memory: cluster.Bytes(c.Memory), JobOverhead: tb.jobOverhead(c)}
}

// jobOverhead is what a job on a device of class c takes beyond its
// kernels: quotaStalls times the part of a period the quota leaves idle.
func (tb *Testbed) jobOverhead(c Class) cluster.Duration {
	if c.CPUs <= 0 || c.CPUs >= 1 {
		return 0
	}
	return cluster.Duration(time.Duration(quotaStalls * (1 - c.CPUs) * float64(tb.st.CPUPeriod)))
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
