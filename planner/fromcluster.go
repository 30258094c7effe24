package planner

import (
	"fmt"
	"math"
	"time"

	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/planner/costmodel"
)

// FromCluster is the planner's view of a cluster file: its devices in the
// file's order, each with its class's latency model and memory, and its
// network. profiles holds the classes' profiles by class name (see
// cluster.Profiles); a class without one uses local(threads) — this
// machine's profile at the class's threads — scaled by the class's speed.
func FromCluster(c *cluster.Cluster, profiles map[string]*costmodel.Profile, local func(threads int) (*costmodel.Profile, error)) (*Cluster, error) {
	out := &Cluster{}
	timers := map[string]Timer{}
	for _, cl := range c.Classes {
		if p, ok := profiles[cl.Name]; ok {
			timers[cl.Name] = p
			continue
		}
		if local == nil {
			return nil, fmt.Errorf("%sclass %q has no profile", prefixOf(c.File), cl.Name)
		}
		base, err := local(cl.ThreadsOf())
		if err != nil {
			return nil, fmt.Errorf("%sclass %q: this machine's profile: %w", prefixOf(c.File), cl.Name, err)
		}
		timers[cl.Name] = base.Scaled(cl.SpeedOf())
	}
	names := make([]string, len(c.Devices))
	for i, d := range c.Devices {
		cl, ok := c.Class(d.Class)
		if !ok {
			return nil, fmt.Errorf("%sdevice %q: class %q is not in the file", prefixOf(c.File), d.Name, d.Class)
		}
		out.Devices = append(out.Devices, Device{Name: d.Name, Class: d.Class, Timer: timers[d.Class], Memory: int64(cl.Memory),
			JobOverhead: time.Duration(cl.JobOverhead).Seconds()})
		names[i] = d.Name
	}
	name := func(i int) string {
		if i == Coordinator {
			return cluster.Coordinator
		}
		return names[i]
	}
	out.Net = Network{Shared: c.Network.Medium != cluster.Switched, Link: func(from, to int) Link {
		bits, _, msg := c.LinkBetween(name(from), name(to))
		l := Link{PerMessage: msg.Seconds()}
		if !math.IsInf(bits, 1) && bits > 0 {
			l.PerByte = 8 / bits
		}
		return l
	}}
	for _, n := range names {
		_, rtt, _ := c.LinkBetween(cluster.Coordinator, n)
		out.Net.RTT = max(out.Net.RTT, rtt.Seconds())
	}
	return out, nil
}

func prefixOf(file string) string {
	if file == "" {
		return ""
	}
	return file + ": "
}
