package cluster

import (
	"fmt"
	"math"
	"net"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Validate checks a cluster and reports every problem at once: the format
// identifiers; names (RFC 1123 labels: lowercase letters, digits and '-'),
// unique among classes and among devices, and no device named
// Coordinator; a device's class is defined, it has an address (host:port)
// or a node selector; threads, speed and bandwidths are positive where
// given, durations and sizes not negative; a class has a profile or a
// speed, not both; a plugin has its sha256; links name devices or
// Coordinator, two different ends, each pair once, and override
// something; TLS has a certificate with its key, or a CA; a registry has
// a repository REGISTRY/PATH.
func (c *Cluster) Validate() error {
	p := &problems{}
	c.check(p)
	return p.err()
}

var (
	reName   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	reSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

func (c *Cluster) check(p *problems) {
	if c.APIVersion != APIVersion {
		p.add("apiVersion", "apiVersion is %q, want %q", c.APIVersion, APIVersion)
	}
	if c.Kind != Kind {
		p.add("kind", "kind is %q, want %q", c.Kind, Kind)
	}
	c.checkClasses(p)
	c.checkDevices(p)
	c.checkNetwork(p)
	c.checkAuth(p)
	c.checkRegistry(p)
}

func checkName(p *problems, path, what, name string) {
	switch {
	case name == "":
		p.add(path, "%s has no name", what)
	case len(name) > 63 || !reName.MatchString(name):
		p.add(path+".name", "%s name %q: use lowercase letters, digits and '-' (at most 63, starting and ending with a letter or digit)", what, name)
	}
}

func (c *Cluster) checkClasses(p *problems) {
	if len(c.Classes) == 0 {
		p.add("classes", "no device classes: give at least one under classes")
	}
	seen := map[string]int{}
	for i, cl := range c.Classes {
		at := fmt.Sprintf("classes[%d]", i)
		checkName(p, at, "class", cl.Name)
		if j, ok := seen[cl.Name]; ok && cl.Name != "" {
			p.add(at+".name", "class %q is defined twice (also classes[%d])", cl.Name, j)
		}
		seen[cl.Name] = i
		what := label("class", at, cl.Name)
		if cl.Threads < 0 || cl.Threads == 0 && p.given(at+".threads") {
			p.add(at+".threads", "%s: threads %d: want at least 1", what, cl.Threads)
		}
		if cl.Memory < 0 {
			p.add(at+".memory", "%s: memory %d is negative", what, cl.Memory)
		}
		if cl.Speed < 0 || cl.Speed == 0 && p.given(at+".speed") || math.IsNaN(cl.Speed) || math.IsInf(cl.Speed, 0) {
			p.add(at+".speed", "%s: speed %v: want a positive fraction of one core of this machine (e.g. 0.5)", what, cl.Speed)
		}
		if cl.JobOverhead < 0 {
			p.add(at+".jobOverhead", "%s: jobOverhead %v is negative", what, cl.JobOverhead)
		}
		if cl.Profile != "" && cl.Speed != 0 {
			p.add(at+".speed", "%s: give a profile or a speed, not both (a profile measures the speed)", what)
		}
		if k := cl.Kernels; k != nil {
			if k.Plugin == "" {
				p.add(at+".kernels", "%s: kernels: no plugin file (leave kernels out for the native kernels)", what)
			}
			switch {
			case k.SHA256 == "":
				p.add(at+".kernels", "%s: kernels: plugin %q has no sha256 (sha256sum gives it)", what, k.Plugin)
			case !reSHA256.MatchString(k.SHA256):
				p.add(at+".kernels.sha256", "%s: kernels.sha256 %q: want 64 lowercase hex digits", what, k.SHA256)
			}
		}
	}
}

func (c *Cluster) checkDevices(p *problems) {
	if len(c.Devices) == 0 {
		p.add("devices", "no devices: give at least one under devices")
	}
	seen := map[string]int{}
	for i, d := range c.Devices {
		at := fmt.Sprintf("devices[%d]", i)
		checkName(p, at, "device", d.Name)
		if d.Name == Coordinator {
			p.add(at+".name", "device name %q is reserved for the machine running edgectl run", Coordinator)
		}
		if j, ok := seen[d.Name]; ok && d.Name != "" {
			p.add(at+".name", "device %q is listed twice (also devices[%d])", d.Name, j)
		}
		seen[d.Name] = i
		what := label("device", at, d.Name)
		switch {
		case d.Class == "":
			p.add(at+".class", "%s has no class", what)
		case !c.hasClass(d.Class):
			p.add(at+".class", "%s: class %q is not defined (classes: %s)", what, d.Class, strings.Join(c.classNames(), ", "))
		}
		if d.Address == "" && len(d.NodeSelector) == 0 {
			p.add(at, "%s has neither an address (host:port of its worker) nor a nodeSelector", what)
		}
		if d.Address != "" {
			if err := checkAddress(d.Address); err != nil {
				p.add(at+".address", "%s: address %q: %v", what, d.Address, err)
			}
		}
	}
}

// label names a class or device in problems: by its name, or by its path
// when it has none.
func label(kind, path, name string) string {
	if name == "" {
		return path
	}
	return fmt.Sprintf("%s %q", kind, name)
}

func checkAddress(a string) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Errorf("want host:port")
	}
	if host == "" {
		return fmt.Errorf("no host")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q: want 1 to 65535", port)
	}
	return nil
}

func (c *Cluster) hasClass(name string) bool {
	_, ok := c.Class(name)
	return ok
}

func (c *Cluster) classNames() []string {
	var out []string
	for _, cl := range c.Classes {
		out = append(out, cl.Name)
	}
	sort.Strings(out)
	return slices.Compact(out)
}
