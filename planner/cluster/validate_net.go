package cluster

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

func (c *Cluster) checkNetwork(p *problems) {
	n := c.Network
	switch n.Medium {
	case "", Shared, Switched:
	default:
		p.add("network.medium", "network.medium %q: want %s or %s", n.Medium, Shared, Switched)
	}
	switch {
	case n.Bandwidth == 0 && !p.given("network.bandwidth"):
		p.add("network", "network.bandwidth is missing (e.g. bandwidth: 100mbit; edgectl netprobe measures it)")
	default:
		checkBandwidth(p, "network.bandwidth", "network.bandwidth", n.Bandwidth)
	}
	if n.RTT < 0 {
		p.add("network.rtt", "network.rtt %v is negative", n.RTT)
	}
	if n.PerMessage < 0 {
		p.add("network.perMessage", "network.perMessage %v is negative", n.PerMessage)
	}
	seen := map[[2]string]int{}
	for i, l := range n.Links {
		at := fmt.Sprintf("network.links[%d]", i)
		for _, end := range []struct{ field, name string }{{"from", l.From}, {"to", l.To}} {
			switch {
			case end.name == "":
				p.add(at, "link %d has no %q", i, end.field)
			case end.name != Coordinator && !c.hasDevice(end.name):
				p.add(at+"."+end.field, "link %s-%s: %q is not a device (devices: %s; or %s)", l.From, l.To, end.name,
					strings.Join(c.deviceNames(), ", "), Coordinator)
			}
		}
		if l.From == l.To && l.From != "" {
			p.add(at, "link %s-%s joins a device to itself", l.From, l.To)
		}
		k := pairKey(l.From, l.To)
		if j, ok := seen[k]; ok {
			p.add(at, "link %s-%s is given twice (also links[%d]; a link holds both directions)", l.From, l.To, j)
		}
		seen[k] = i
		if l.Bandwidth == 0 && l.RTT == 0 && l.PerMessage == 0 && !p.given(at+".bandwidth") {
			p.add(at, "link %s-%s overrides nothing: give its bandwidth, rtt or perMessage", l.From, l.To)
		}
		if l.Bandwidth != 0 || p.given(at+".bandwidth") {
			checkBandwidth(p, at+".bandwidth", fmt.Sprintf("link %s-%s: bandwidth", l.From, l.To), l.Bandwidth)
		}
		if l.RTT < 0 || l.PerMessage < 0 {
			p.add(at, "link %s-%s: negative duration", l.From, l.To)
		}
	}
}

func checkBandwidth(p *problems, path, what string, b Bandwidth) {
	if !(b > 0) || math.IsInf(float64(b), 0) {
		p.add(path, "%s %s: want a positive rate", what, b)
	}
}

// pairKey is a link's ends in order, so that both directions match.
func pairKey(a, b string) [2]string {
	if b < a {
		a, b = b, a
	}
	return [2]string{a, b}
}

func (c *Cluster) hasDevice(name string) bool {
	_, ok := c.Device(name)
	return ok
}

func (c *Cluster) deviceNames() []string {
	var out []string
	for _, d := range c.Devices {
		if d.Name != "" && !slices.Contains(out, d.Name) {
			out = append(out, d.Name)
		}
	}
	return out
}

// reRepository is an OCI repository with its registry: host[:port]/path,
// the path in lowercase components.
var reRepository = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)+$`)

func (c *Cluster) checkRegistry(p *problems) {
	r := c.Registry.Repository
	switch {
	case r == "" && (c.Registry.Insecure || p.given("registry")):
		p.add("registry", "registry has no repository: give REGISTRY/PATH (e.g. registry.lan:5000/edgectl), or leave registry out")
	case r != "" && !reRepository.MatchString(r):
		p.add("registry.repository", "registry.repository %q: want REGISTRY/PATH (e.g. registry.lan:5000/edgectl), without a scheme, tag or digest", r)
	}
}

func (c *Cluster) checkAuth(p *problems) {
	t := c.Auth.TLS
	if t == nil {
		return
	}
	if (t.Cert == "") != (t.Key == "") {
		p.add("auth.tls", "auth.tls: a client certificate needs its key (give cert and key, or neither)")
	}
	if t.Cert == "" && t.Key == "" && t.CA == "" {
		p.add("auth.tls", "auth.tls is empty: give cert and key (mTLS) and/or ca")
	}
}
