package cluster

import (
	"math"
	"sort"
	"time"
)

// Measured is one link (one direction) as edgectl netprobe measured it.
type Measured struct {
	From, To   string // device names or Coordinator
	Bandwidth  Bandwidth
	RTT        Duration
	PerMessage Duration
}

// Thresholds of a link that "differs clearly" from the global values and
// gets an override: its bandwidth off by more than BandwidthRatio either
// way, or its RTT or per-message cost off by more than DurationShare of
// the global value and DurationSlack both.
const (
	BandwidthRatio = 1.25
	DurationShare  = 0.5
	DurationSlack  = Duration(time.Millisecond)
)

// WithMeasured returns n with measured links folded in. The two directions
// of a link are combined (mean time per byte, mean RTT and per-message
// cost). The global values become the medians over the links between
// devices (over all links when only the coordinator's were measured);
// each measured link that differs clearly from them gets an override with
// all three values, and overrides of measured links that no longer differ
// are dropped. Overrides of links not measured, and the medium, are kept.
// Values are rounded to 4 significant digits (bandwidth) and 10 µs.
func (n Network) WithMeasured(m []Measured) Network {
	links := combine(m)
	if len(links) == 0 {
		return n
	}
	var between []Link
	for _, l := range links {
		if l.From != Coordinator && l.To != Coordinator {
			between = append(between, l)
		}
	}
	if len(between) == 0 {
		between = links
	}
	out := Network{Medium: n.Medium,
		Bandwidth:  Bandwidth(round4(median(between, func(l Link) float64 { return float64(l.Bandwidth) }))),
		RTT:        roundDuration(median(between, func(l Link) float64 { return float64(l.RTT) })),
		PerMessage: roundDuration(median(between, func(l Link) float64 { return float64(l.PerMessage) })),
	}
	measured := map[[2]string]bool{}
	for _, l := range links {
		measured[pairKey(l.From, l.To)] = true
	}
	for _, l := range n.Links {
		if !measured[pairKey(l.From, l.To)] {
			out.Links = append(out.Links, l)
		}
	}
	for _, l := range links {
		if out.differs(l) {
			out.Links = append(out.Links, l)
		}
	}
	return out
}

// differs reports whether link l differs clearly from n's global values.
func (n Network) differs(l Link) bool {
	r := float64(l.Bandwidth) / float64(n.Bandwidth)
	if r > BandwidthRatio || r < 1/BandwidthRatio {
		return true
	}
	far := func(a, b Duration) bool {
		d := math.Abs(float64(a - b))
		return d > DurationShare*float64(b) && d > float64(DurationSlack)
	}
	return far(l.RTT, n.RTT) || far(l.PerMessage, n.PerMessage)
}

// combine merges the directions of each link, in the order links were
// first measured, as rounded Links.
func combine(m []Measured) []Link {
	var order [][2]string
	groups := map[[2]string][]Measured{}
	for _, x := range m {
		if !(x.Bandwidth > 0) || math.IsInf(float64(x.Bandwidth), 0) {
			continue
		}
		k := pairKey(x.From, x.To)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], x)
	}
	var out []Link
	for _, k := range order {
		g := groups[k]
		var perBit, rtt, perMsg float64
		for _, x := range g {
			perBit += 1 / float64(x.Bandwidth)
			rtt += float64(x.RTT)
			perMsg += float64(x.PerMessage)
		}
		c := float64(len(g))
		out = append(out, Link{From: g[0].From, To: g[0].To, Bandwidth: Bandwidth(round4(c / perBit)),
			RTT: roundDuration(rtt / c), PerMessage: roundDuration(perMsg / c)})
	}
	return out
}

func median(ls []Link, f func(Link) float64) float64 {
	v := make([]float64, len(ls))
	for i, l := range ls {
		v[i] = f(l)
	}
	sort.Float64s(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

// roundDuration rounds ns to 10 µs (to 1 µs below 1 ms).
func roundDuration(ns float64) Duration {
	d := time.Duration(math.Round(ns))
	if d < time.Millisecond {
		return Duration(d.Round(time.Microsecond))
	}
	return Duration(d.Round(10 * time.Microsecond))
}
