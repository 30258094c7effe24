package coord

import (
	"context"
	"fmt"
	"time"

	"github.com/edgectl/edgectl/runtime/worker/internal/probe"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// Endpoint is one end of a link: a worker (Addr its host:port) or, with
// Addr "", the coordinator itself. Name labels it in results (a device
// name, or "coordinator").
type Endpoint struct {
	Name, Addr string
}

// ProbePair is one link to measure, in one direction: From sends, To
// receives.
type ProbePair struct {
	From, To Endpoint
}

// RingPairs is the links `edgectl netprobe` measures by default: every
// device to the next (the last to the first; with two devices both
// directions), so that each device sends once and receives once, and the
// coordinator to every device. coordinator names the coordinator's end.
func RingPairs(devices []Endpoint, coordinator string) []ProbePair {
	var out []ProbePair
	if n := len(devices); n > 1 {
		for i := range devices {
			out = append(out, ProbePair{devices[i], devices[(i+1)%n]})
		}
	}
	return append(out, coordinatorPairs(devices, coordinator)...)
}

// AllPairs is every ordered pair of devices, then the coordinator to
// every device.
func AllPairs(devices []Endpoint, coordinator string) []ProbePair {
	var out []ProbePair
	for _, a := range devices {
		for _, b := range devices {
			if a != b {
				out = append(out, ProbePair{a, b})
			}
		}
	}
	return append(out, coordinatorPairs(devices, coordinator)...)
}

func coordinatorPairs(devices []Endpoint, coordinator string) []ProbePair {
	var out []ProbePair
	for _, d := range devices {
		out = append(out, ProbePair{Endpoint{Name: coordinator}, d})
	}
	return out
}

// DefaultProbeSizes are the message sizes of a probe: an empty message
// (the round trip) and 16 KiB to 4 MiB, the span of tile parts.
var DefaultProbeSizes = []int64{0, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20}

// ProbeOptions tune ProbeLinks.
type ProbeOptions struct {
	Sizes   []int64 // message sizes in bytes (nil: DefaultProbeSizes); 0 measures the round trip
	Repeats int     // times each size is sent (0: 5); the fit takes each size's median and fastest
	// LinkTimeout bounds one link's measurement (0: 5 minutes).
	LinkTimeout time.Duration
	// Progress, when set, is called before each link is measured.
	Progress func(i, n int, p ProbePair)
}

// LinkResult is one measured link: the fit of its times (probe.FitSamples:
// t = bytes·8/BitsPerSec + PerMessage, the rate from the sizes' medians
// and the per-message cost from the smallest sizes' fastest times, RTT the
// fastest empty message) and every timed message; Err when it could not be
// measured or fitted.
type LinkResult struct {
	ProbePair
	BitsPerSec float64
	PerMessage time.Duration
	RTT        time.Duration
	R2         float64
	Samples    []ProbeSample
	Err        error
}

// ProbeSample is one timed message: its size in bytes and the time from
// opening its stream to the receiver's reply.
type ProbeSample = probe.Sample

// FitProbe fits timed messages as ProbeLinks does (probe.FitSamples):
// bits per second, the per-message cost (intercept), the fastest round
// trip of empty messages and R².
func FitProbe(samples []ProbeSample) (bitsPerSec float64, perMessage, rtt time.Duration, r2 float64, err error) {
	f, err := probe.FitSamples(samples)
	return 8 * f.BytesPerSec, f.PerMessage, f.RTT, f.R2, err
}

// ProbeLinks measures links one at a time (so that they do not share a
// medium while measured): a link from a worker by that worker's ProbeLink
// to the other's Sink; a link from the coordinator by this process
// sending to the worker's Sink itself. A link that fails has its Err set
// and the others are still measured; the error is for what stops them
// all (no link, bad options, bad credentials, ctx ended).
func ProbeLinks(ctx context.Context, a Auth, pairs []ProbePair, o ProbeOptions) ([]LinkResult, error) {
	if len(pairs) == 0 {
		return nil, fmt.Errorf("netprobe: no links to measure (one device and no coordinator?)")
	}
	if o.Sizes == nil {
		o.Sizes = DefaultProbeSizes
	}
	if o.Repeats == 0 {
		o.Repeats = 5
	}
	if o.LinkTimeout <= 0 {
		o.LinkTimeout = 5 * time.Minute
	}
	if err := probe.Check(o.Sizes, o.Repeats); err != nil {
		return nil, err
	}
	var addrs []string
	index := map[string]int{}
	for _, p := range pairs {
		for _, e := range []Endpoint{p.From, p.To} {
			if _, ok := index[e.Addr]; !ok && e.Addr != "" {
				index[e.Addr] = len(addrs)
				addrs = append(addrs, e.Addr)
			}
		}
		if p.To.Addr == "" {
			return nil, fmt.Errorf("netprobe: link %s -> %s: the receiver must be a worker", p.From.Name, p.To.Name)
		}
	}
	c, err := Dial(addrs, a)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	out := make([]LinkResult, len(pairs))
	for i, p := range pairs {
		if o.Progress != nil {
			o.Progress(i, len(pairs), p)
		}
		lctx, cancel := context.WithTimeout(ctx, o.LinkTimeout)
		out[i] = probeLink(lctx, c.Workers[index[p.To.Addr]], c.workerAt(index, p.From.Addr), p, o)
		cancel()
		if ctx.Err() != nil {
			return out[:i+1], ctx.Err()
		}
	}
	return out, nil
}

func (c *Cluster) workerAt(index map[string]int, addr string) *Worker {
	if addr == "" {
		return nil
	}
	return c.Workers[index[addr]]
}

// probeLink measures one link: from (nil: this process) sends to to.
func probeLink(ctx context.Context, to, from *Worker, p ProbePair, o ProbeOptions) LinkResult {
	r := LinkResult{ProbePair: p}
	var samples []*wirepb.ProbeSample
	var err error
	if from == nil {
		samples, err = probe.Run(ctx, to.rpc, o.Sizes, o.Repeats)
	} else {
		var rep *wirepb.ProbeLinkReply
		rep, err = from.rpc.ProbeLink(ctx, &wirepb.ProbeLinkRequest{Peer: p.To.Addr, Sizes: o.Sizes, Repeats: int32(o.Repeats)})
		if rep != nil {
			samples = rep.Samples
		}
	}
	if err != nil {
		r.Err = fmt.Errorf("%s -> %s: %w", p.From.Name, p.To.Name, err)
		return r
	}
	for _, s := range samples {
		r.Samples = append(r.Samples, probe.Sample{Bytes: s.Bytes, Time: time.Duration(s.Ns)})
	}
	r.BitsPerSec, r.PerMessage, r.RTT, r.R2, err = FitProbe(r.Samples)
	if err != nil {
		r.Err = fmt.Errorf("%s -> %s: %w", p.From.Name, p.To.Name, err)
	}
	return r
}
