package cluster

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"
)

// Class returns the class called name.
func (c *Cluster) Class(name string) (Class, bool) {
	for _, cl := range c.Classes {
		if cl.Name == name {
			return cl, true
		}
	}
	return Class{}, false
}

// Device returns the device called name.
func (c *Cluster) Device(name string) (Device, bool) {
	for _, d := range c.Devices {
		if d.Name == name {
			return d, true
		}
	}
	return Device{}, false
}

// ClassOf returns the class of the device called name.
func (c *Cluster) ClassOf(device string) (Class, bool) {
	d, ok := c.Device(device)
	if !ok {
		return Class{}, false
	}
	return c.Class(d.Class)
}

// LinkBetween is the network between devices a and b (either may be
// Coordinator): the global bandwidth (bits/s), RTT and per-message cost,
// each replaced by the link's override when it sets one (a link holds both
// directions). A device and itself are joined by no network: +Inf, 0, 0.
func (c *Cluster) LinkBetween(a, b string) (bitsPerSec float64, rtt, perMessage time.Duration) {
	if a == b {
		return math.Inf(1), 0, 0
	}
	n := c.Network
	bitsPerSec, rtt, perMessage = float64(n.Bandwidth), time.Duration(n.RTT), time.Duration(n.PerMessage)
	k := pairKey(a, b)
	for _, l := range n.Links {
		if pairKey(l.From, l.To) != k {
			continue
		}
		if l.Bandwidth > 0 {
			bitsPerSec = float64(l.Bandwidth)
		}
		if l.RTT > 0 {
			rtt = time.Duration(l.RTT)
		}
		if l.PerMessage > 0 {
			perMessage = time.Duration(l.PerMessage)
		}
	}
	return bitsPerSec, rtt, perMessage
}

// Path resolves a path of the file (a profile, plugin, token or TLS file)
// against Dir; absolute paths and "" stay as they are.
func (c *Cluster) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// ResolvedAuth is Auth with its paths resolved against Dir.
func (c *Cluster) ResolvedAuth() Auth {
	a := Auth{TokenFile: c.Path(c.Auth.TokenFile)}
	if t := c.Auth.TLS; t != nil {
		a.TLS = &TLS{Cert: c.Path(t.Cert), Key: c.Path(t.Key), CA: c.Path(t.CA)}
	}
	return a
}

// Addresses maps each of devices (plan device ids) to its worker's
// address. Every device that is not in the cluster or has no address is
// reported at once, naming the device.
func (c *Cluster) Addresses(devices []string) (map[string]string, error) {
	out := map[string]string{}
	var bad []string
	for _, name := range devices {
		d, ok := c.Device(name)
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("device %q is not in the cluster (devices: %s)", name, strings.Join(c.deviceNames(), ", ")))
		case d.Address == "":
			bad = append(bad, fmt.Sprintf("device %q has no address (only a nodeSelector): give the host:port of its worker", name))
		default:
			out[name] = d.Address
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%s%s", prefix(c.File), strings.Join(bad, "; "))
	}
	return out, nil
}

// prefix is "file: ", or nothing.
func prefix(file string) string {
	if file == "" {
		return ""
	}
	return file + ": "
}
