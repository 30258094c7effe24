package testbed

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// Media of the emulated network (cluster.Shared and cluster.Switched).
const (
	Shared   = "shared"
	Switched = "switched"
)

// Cmd is one command line (ip or tc). Optional commands may fail: they
// remove what may not be there before it is made again.
type Cmd struct {
	Args     []string
	Optional bool
}

func cmd(args ...string) Cmd      { return Cmd{Args: args} }
func optional(args ...string) Cmd { return Cmd{Args: args, Optional: true} }

// Shaping is how the testbed shapes its bridge network with tc. Every
// token bucket is an htb class (rate = ceil = Rate) with a drop-tail
// queue of QueuePackets packets under it: htb accepts the 64 KiB GSO
// packets of veth links whatever the rate, where tbf needs a burst at
// least that large.
//
// Shared (WiFi through one access point): one bucket on one ifb device
// carries every packet once. Each device's port (the host end of its veth
// pair) redirects what the device sends (the port's ingress) to the ifb,
// and the bridge redirects what this host sends to the devices (its
// egress) there too. What a device receives was counted when it was sent.
//
// Switched: each device has a link of its own, Rate in each direction:
// what it sends goes through an ifb of its own (the port's ingress
// redirected there), what it receives through a bucket on its port's
// egress. This host's link is the bridge's egress.
type Shaping struct {
	Medium string
	Rate   int64 // bits per second
	// Bridge is the network's bridge device; IFB names the shared ifb,
	// and prefixes the per-device ifbs of a switched medium (IFB0, ...).
	Bridge string
	IFB    string
	// QueuePackets is each bucket's queue (0: 1000 packets).
	QueuePackets int
}

// IFBFor is the ifb of device i: the shared one, or device i's own.
func (s Shaping) IFBFor(i int) string {
	if s.Medium == Switched {
		return s.IFB + strconv.Itoa(i)
	}
	return s.IFB
}

// rate is the rate in tc's notation.
func (s Shaping) rate() string { return strconv.FormatInt(s.Rate, 10) + "bit" }

// bucket makes dev's root qdisc one htb class at the rate with a
// drop-tail queue, replacing what was there.
func (s Shaping) bucket(dev string) []Cmd {
	q := s.QueuePackets
	if q <= 0 {
		q = 1000
	}
	return []Cmd{
		optional("tc", "qdisc", "del", "dev", dev, "root"),
		cmd("tc", "qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", "1"),
		cmd("tc", "class", "add", "dev", dev, "parent", "1:", "classid", "1:1", "htb",
			"rate", s.rate(), "ceil", s.rate(), "quantum", "60000"),
		cmd("tc", "qdisc", "add", "dev", dev, "parent", "1:1", "handle", "10:", "pfifo", "limit", strconv.Itoa(q)),
	}
}

// newIFB creates an ifb device with a bucket.
func (s Shaping) newIFB(name string) []Cmd {
	return append([]Cmd{
		optional("ip", "link", "del", name),
		cmd("ip", "link", "add", name, "type", "ifb"),
		cmd("ip", "link", "set", name, "up"),
	}, s.bucket(name)...)
}

// redirect sends everything that enters dev (its ingress) through ifb.
func redirect(dev, ifb string) []Cmd {
	return []Cmd{
		optional("tc", "qdisc", "del", "dev", dev, "ingress"),
		cmd("tc", "qdisc", "add", "dev", dev, "handle", "ffff:", "ingress"),
		cmd("tc", "filter", "add", "dev", dev, "parent", "ffff:", "protocol", "all", "prio", "1",
			"u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", ifb),
	}
}

// Setup makes what exists before any device: the shared ifb.
func (s Shaping) Setup() ([]Cmd, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if s.Medium == Switched {
		return nil, nil
	}
	return s.newIFB(s.IFB), nil
}

// BridgeCmds shape what this host sends to the devices: through the
// shared ifb, or a bucket of its own (switched). The bridge appears with
// its first container and goes with its last, so they run after every
// container start.
func (s Shaping) BridgeCmds() []Cmd {
	if s.Medium == Switched {
		return s.bucket(s.Bridge)
	}
	return []Cmd{
		optional("tc", "qdisc", "del", "dev", s.Bridge, "root"),
		cmd("tc", "qdisc", "add", "dev", s.Bridge, "root", "handle", "1:", "htb", "default", "1"),
		cmd("tc", "filter", "add", "dev", s.Bridge, "parent", "1:", "protocol", "all", "prio", "1",
			"u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", s.IFB),
	}
}

// PortCmds shape device i whose veth's host end is port.
func (s Shaping) PortCmds(i int, port string) []Cmd {
	if s.Medium != Switched {
		return redirect(port, s.IFB)
	}
	ifb := s.IFBFor(i)
	out := s.newIFB(ifb)
	out = append(out, redirect(port, ifb)...)
	return append(out, s.bucket(port)...)
}

// RateCmds change the rate of every bucket in place: the shared ifb, or
// the bridge and the ports and ifbs of the devices running (switched;
// ports maps a device's index to its port).
func (s Shaping) RateCmds(ports map[int]string) []Cmd {
	change := func(dev string) Cmd {
		return cmd("tc", "class", "change", "dev", dev, "parent", "1:", "classid", "1:1", "htb",
			"rate", s.rate(), "ceil", s.rate(), "quantum", "60000")
	}
	if s.Medium != Switched {
		return []Cmd{change(s.IFB)}
	}
	out := []Cmd{change(s.Bridge)}
	for _, i := range slices.Sorted(maps.Keys(ports)) {
		out = append(out, change(s.IFBFor(i)), change(ports[i]))
	}
	return out
}

// Teardown removes the ifbs of n devices (ports and the bridge go with
// their containers and network, and their qdiscs with them).
func (s Shaping) Teardown(n int) []Cmd {
	if s.Medium != Switched {
		return []Cmd{optional("ip", "link", "del", s.IFB)}
	}
	var out []Cmd
	for i := range n {
		out = append(out, optional("ip", "link", "del", s.IFBFor(i)))
	}
	return out
}

func (s Shaping) check() error {
	switch {
	case s.Medium != Shared && s.Medium != Switched:
		return fmt.Errorf("medium %q: want %s or %s", s.Medium, Shared, Switched)
	case s.Rate < 8000:
		return fmt.Errorf("rate %d bit/s: want at least 8kbit", s.Rate)
	case s.IFB == "" || len(s.IFB)+2 > 15:
		return fmt.Errorf("ifb name %q: want 1 to 13 characters", s.IFB)
	}
	return nil
}
