package testbed

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/kube/containers"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/verify"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// BenchConfig says what to measure on a testbed.
type BenchConfig struct {
	Model  string // its name in the results
	Graph  *graphir.Graph
	Inputs map[string]*graphir.Tensor
	// Counts of devices (the first N of the testbed's), networks (rates
	// in bits per second, named as given) and strategies to measure.
	Counts     []int
	Networks   []BenchNetwork
	Strategies []planner.Strategy
	// Frames is how many frames measure the single-frame latency (one in
	// flight; the median is reported), Stream how many are streamed for
	// the throughput (0: no streaming).
	Frames, Stream int
	// Alternatives measures, for the largest count on each network, the
	// best plans of the search restricted to fewer modes too (regret).
	Alternatives int
	// Profiles by class; nil: the classes' speeds scale this machine's
	// (Local).
	Profiles map[string]*costmodel.Profile
	Local    func(threads int) (*costmodel.Profile, error)
	Probe    coord.ProbeOptions
	// Progress receives a line per step.
	Progress func(line string)
	// Point receives each point as it is measured.
	Point func(p BenchPoint)
}

// Even is the bench's strategy for heterogeneous devices that plans as
// if every device were as fast as the first (tiles and splits of equal
// size), predicted on the devices as they are: the search against an
// even split.
const Even planner.Strategy = "even"

// evenPlan is the search's plan for cl with every device given the first
// device's latency model, predicted on cl.
func evenPlan(g *graphir.Graph, cl *planner.Cluster) (*planner.Result, error) {
	same := *cl
	same.Devices = slices.Clone(cl.Devices)
	for i := range same.Devices {
		same.Devices[i].Timer = cl.Devices[0].Timer
		same.Devices[i].Class = cl.Devices[0].Class
	}
	res, err := planner.Plan(g, &same, planner.Options{})
	if err != nil {
		return nil, err
	}
	return planner.Predict(g, res.Plan, cl)
}

// BenchNetwork is a network rate to measure at.
type BenchNetwork struct {
	Name string
	Bits int64
}

// BenchPoint is one measured point.
type BenchPoint struct {
	Model    string
	Devices  int
	Network  string
	Strategy string
	// Plan is the plan's summary (stages and modes); Rank is its place
	// among the alternatives (0: the plan the strategy chose).
	Plan string
	Rank int
	// Predicted and measured single-frame latency (median, range over the
	// frames) and time between streamed frames, in milliseconds.
	PredictedMs, MeasuredMs, MinMs, MaxMs float64
	PredictedPeriodMs, PeriodMs           float64
	// Speedup of the latency and of the throughput against one device of
	// the same class on the same network (measured in the same run).
	Speedup, ThroughputSpeedup float64
	// WireBytes is what the shaped network carried per frame (tc's
	// counters, headers included).
	WireBytes float64
	// Memory of each device's worker after the single frames (Memory)
	// and after streaming too (StreamMemory), and what the plan predicts
	// for it.
	Memory, StreamMemory []containers.MemoryUse
	PredictedMemory      []float64
	// OK says the outputs equal one device's (verify.Compare).
	OK  bool
	Err string
	// Same says the plan is one measured already on this network (its
	// numbers are that measurement's).
	Same bool
	// Stages are the plan's stages, predicted and measured (single
	// frames), for finding where the time goes; CPUMs each device's CPU
	// time per single frame (its cgroup's).
	Stages []StageFidelity
	CPUMs  []float64
}

// StageFidelity is one stage's predicted and measured times per frame,
// in milliseconds: the coordinator's span of the stage (first job called
// to last job done) beside the prediction's total, and the workers' own
// compute, send and wait summed over the stage's jobs beside the
// predicted slowest tile and transfer.
type StageFidelity struct {
	Name                                   string
	Mode, Split                            string
	PredTotal, PredCompute, PredComm       float64
	Time, Compute, Send, Wait, Queue, MBIn float64
	Jobs                                   int
}

// Bench measures cfg on the testbed: for each network, each count and
// each strategy, the plan's predicted and measured latency (one frame in
// flight), streamed throughput, bytes on the wire and peak memory of
// every device, on devices started afresh for every point (so that each
// worker's peak memory is its own), and speed-ups against one device on
// the same network.
func (tb *Testbed) Bench(ctx context.Context, cfg BenchConfig) ([]BenchPoint, error) {
	if cfg.Frames < 1 {
		cfg.Frames = 5
	}
	want, err := verify.Local(ctx, cfg.Graph, cfg.Inputs)
	if err != nil {
		return nil, fmt.Errorf("bench: the reference run: %w", err)
	}
	b := &bench{tb: tb, cfg: cfg, want: want}
	var out []BenchPoint
	for _, nw := range cfg.Networks {
		pts, err := b.network(ctx, nw)
		out = append(out, pts...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

type bench struct {
	tb   *Testbed
	cfg  BenchConfig
	want map[string]*graphir.Tensor
	net  cluster.Network
	// measured holds this network's points by plan.
	measured map[string]BenchPoint
}

func (b *bench) progress(format string, args ...any) {
	if b.cfg.Progress != nil {
		b.cfg.Progress(fmt.Sprintf(format, args...))
	}
}

// network measures every count and strategy on one network.
func (b *bench) network(ctx context.Context, nw BenchNetwork) ([]BenchPoint, error) {
	if err := b.tb.SetBandwidth(ctx, nw.Bits); err != nil {
		return nil, err
	}
	if err := b.probe(ctx, nw); err != nil {
		return nil, err
	}
	var out []BenchPoint
	b.measured = map[string]BenchPoint{}
	single, err := b.point(ctx, nw, 1, planner.Single, 0, nil)
	if err != nil {
		return nil, err
	}
	base := single
	for _, n := range b.cfg.Counts {
		for _, s := range b.cfg.Strategies {
			var p BenchPoint
			if s == planner.Single || n == 1 {
				p = base
				p.Devices, p.Strategy = n, string(s)
			} else if p, err = b.point(ctx, nw, n, s, 0, nil); err != nil {
				return out, err
			}
			b.finish(&p, base)
			out = append(out, p)
		}
		if b.cfg.Alternatives > 0 && n == slices.Max(b.cfg.Counts) && n > 1 {
			alts, err := b.alternatives(ctx, nw, n, base)
			out = append(out, alts...)
			if err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// finish sets a point's speed-ups and reports it.
func (b *bench) finish(p *BenchPoint, base BenchPoint) {
	if p.MeasuredMs > 0 {
		p.Speedup = base.MeasuredMs / p.MeasuredMs
	}
	if p.PeriodMs > 0 && base.PeriodMs > 0 {
		p.ThroughputSpeedup = base.PeriodMs / p.PeriodMs
	}
	if b.cfg.Point != nil {
		b.cfg.Point(*p)
	}
}

// probe measures the network on two devices (one: the coordinator's
// link only); the medium is the same for all.
func (b *bench) probe(ctx context.Context, nw BenchNetwork) error {
	b.net = b.tb.Network()
	n := min(2, DeviceCount(b.tb.st.Classes))
	b.progress("%s: probing the network on %d devices", nw.Name, n)
	f, err := b.tb.Provider().StartDevices(ctx, n)
	if err != nil {
		return err
	}
	defer f.Close()
	m, _, err := b.tb.ProbeNetwork(ctx, f, b.cfg.Probe)
	if err != nil {
		return err
	}
	b.net = b.net.WithMeasured(m)
	b.net.Links = nil // measured between the first two: the medium's values
	b.progress("%s: measured %s, rtt %s, per message %s", nw.Name, b.net.Bandwidth, b.net.RTT, b.net.PerMessage)
	return nil
}

// plannerCluster is the planner's model of the first n devices.
func (b *bench) plannerCluster(n int) (*planner.Cluster, error) {
	profiled := map[string]bool{}
	for c := range b.cfg.Profiles {
		profiled[c] = true
	}
	c, err := b.tb.clusterModel(n, b.net, profiled)
	if err != nil {
		return nil, err
	}
	return planner.FromCluster(c, b.cfg.Profiles, b.cfg.Local)
}

// point plans with strategy s for n devices (or runs res when given) and
// measures it.
func (b *bench) point(ctx context.Context, nw BenchNetwork, n int, s planner.Strategy, rank int, res *planner.Result) (BenchPoint, error) {
	p := BenchPoint{Model: b.cfg.Model, Devices: n, Network: nw.Name, Strategy: string(s), Rank: rank}
	if res == nil {
		cl, err := b.plannerCluster(n)
		if err != nil {
			return p, err
		}
		if s == Even {
			res, err = evenPlan(b.cfg.Graph, cl)
		} else {
			res, err = planner.PlanWith(b.cfg.Graph, cl, s, planner.Options{})
		}
		if err != nil {
			return p, fmt.Errorf("bench: %s on %d devices, %s: %w", s, n, nw.Name, err)
		}
	}
	p.Plan = Summary(res)
	p.PredictedMs, p.PredictedPeriodMs = res.Latency*1e3, res.Period*1e3
	for _, st := range res.Stages {
		p.Stages = append(p.Stages, StageFidelity{Name: st.Name, Mode: string(st.Mode), Split: st.Split,
			PredTotal: st.Total() * 1e3, PredCompute: st.Compute * 1e3, PredComm: st.Comm.Seconds * 1e3})
	}
	// A plan measured already on this network (the search falling back
	// to one device, a strategy choosing the same plan) is not measured
	// again: the same plan, the same measurement.
	key, err := res.Plan.Encode()
	if err != nil {
		return p, err
	}
	if m, ok := b.measured[string(key)]; ok {
		b.progress("%s, %d devices, %s: the plan of %d devices, %s (measured already)", nw.Name, n, s, m.Devices, m.Strategy)
		m.Devices, m.Network, m.Strategy, m.Rank, m.Model = n, nw.Name, string(s), rank, b.cfg.Model
		m.PredictedMs, m.PredictedPeriodMs = p.PredictedMs, p.PredictedPeriodMs
		m.Same = true
		return m, nil
	}
	defer func() {
		if p.Err == "" {
			b.measured[string(key)] = p
		}
	}()
	devs := map[string]int{}
	for i := range n {
		devs[DeviceName(i)] = i
	}
	for _, m := range res.Memory {
		if i, ok := devs[m.Device]; ok {
			for len(p.PredictedMemory) <= i {
				p.PredictedMemory = append(p.PredictedMemory, 0)
			}
			p.PredictedMemory[i] = m.Bytes
		}
	}
	b.progress("%s, %d devices, %s: %s (predicted %.0f ms)", nw.Name, n, s, p.Plan, p.PredictedMs)
	err = b.measure(ctx, &p, res.Plan, devs)
	if err != nil {
		p.Err = err.Error()
		b.progress("%s, %d devices, %s: failed: %v", nw.Name, n, s, err)
	}
	return p, ctx.Err()
}

// measure starts the devices, runs the plan one frame at a time and then
// streamed, and reads every worker's memory.
func (b *bench) measure(ctx context.Context, p *BenchPoint, plan *graphir.Plan, devs map[string]int) error {
	f, err := b.tb.Provider().StartDevices(ctx, p.Devices)
	if err != nil {
		return err
	}
	defer f.Close()
	return b.single(ctx, f, p, plan, devs)
}

// memory reads the first n devices' memory.
func memory(f Fleet, n int) ([]containers.MemoryUse, error) {
	var out []containers.MemoryUse
	for i := range n {
		m, err := f.Memory(i)
		if err != nil {
			return nil, fmt.Errorf("memory of %s: %w", DeviceName(i), err)
		}
		out = append(out, m)
	}
	return out, nil
}

// single measures the latency of frames run one at a time, after a first
// frame that builds the tiles' executors (packing weights: 10 s for VGG-16
// at 0.2 of a core) and is not counted, and checks the outputs; then, on
// the same session, the time between frames streamed through the pipeline
// (the session's default window: one frame per stage, plus one).
func (b *bench) single(ctx context.Context, f Fleet, p *BenchPoint, plan *graphir.Plan, devs map[string]int) error {
	s, err := f.Connected().Open(ctx, b.cfg.Graph, plan, coord.Options{Devices: devs, TileTimeout: benchTimeout})
	if err != nil {
		return err
	}
	defer s.Close(context.WithoutCancel(ctx))
	one := []map[string]*graphir.Tensor{b.cfg.Inputs}
	if _, _, err := s.Run(ctx, one); err != nil {
		return err
	}
	wire0 := b.tb.WireBytes()
	cpu0 := make([]time.Duration, p.Devices)
	for i := range cpu0 {
		cpu0[i], _ = f.CPU(i)
	}
	var lat []time.Duration
	var stages []coord.StageReport
	p.OK = true
	for k := range b.cfg.Frames {
		outs, rep, err := s.Run(ctx, one)
		if err != nil {
			return err
		}
		lat = append(lat, rep.Latency[0])
		if stages == nil {
			stages = rep.Stages
		} else {
			for i := range stages {
				if i < len(rep.Stages) {
					stages[i].Runs += rep.Stages[i].Runs
					stages[i].Time += rep.Stages[i].Time
					stages[i].Compute += rep.Stages[i].Compute
					stages[i].Send += rep.Stages[i].Send
					stages[i].Wait += rep.Stages[i].Wait
					stages[i].Queue += rep.Stages[i].Queue
					stages[i].BytesIn += rep.Stages[i].BytesIn
				}
			}
		}
		for _, v := range b.cfg.Graph.Outputs {
			if o := verify.Compare(v.Name, outs[0][v.Name], b.want[v.Name]); !o.OK {
				p.OK = false
				b.progress("  frame %d: output %s differs from one device: max abs %g, max rel %g", k, v.Name, o.MaxAbs, o.MaxRel)
			}
		}
	}
	frames := float64(len(lat))
	p.WireBytes = float64(b.tb.WireBytes()-wire0) / frames
	for i := range cpu0 {
		c, _ := f.CPU(i)
		p.CPUMs = append(p.CPUMs, ms(c-cpu0[i])/frames)
	}
	for i, st := range stages {
		if i >= len(p.Stages) {
			break
		}
		n := float64(max(st.Runs, 1))
		sf := &p.Stages[i]
		sf.Time, sf.Compute, sf.Send, sf.Wait, sf.Queue = ms(st.Time)/n, ms(st.Compute)/n, ms(st.Send)/n, ms(st.Wait)/n, ms(st.Queue)/n
		sf.MBIn, sf.Jobs = float64(st.BytesIn)/1e6/n, st.Jobs
	}
	slices.Sort(lat)
	p.MeasuredMs, p.MinMs, p.MaxMs = ms(lat[len(lat)/2]), ms(lat[0]), ms(lat[len(lat)-1])
	b.progress("  single frame: median %.0f ms (%.0f-%.0f) over %d frames, %.2f MB on the wire a frame, outputs %s",
		p.MeasuredMs, p.MinMs, p.MaxMs, len(lat), p.WireBytes/1e6, map[bool]string{true: "equal one device's", false: "DIFFER"}[p.OK])
	if p.Memory, err = memory(f, p.Devices); err != nil {
		return err
	}
	if b.cfg.Stream <= 0 {
		return nil
	}
	in := make([]map[string]*graphir.Tensor, b.cfg.Stream)
	for i := range in {
		in[i] = b.cfg.Inputs
	}
	_, rep, err := s.Run(ctx, in)
	if err != nil {
		return err
	}
	p.PeriodMs = ms(rep.Wall) / float64(len(in))
	b.progress("  streamed: %.2f frames/s (%d frames in %.1f s; predicted %.2f)", 1e3/p.PeriodMs, len(in), rep.Wall.Seconds(), 1e3/max(p.PredictedPeriodMs, 1e-9))
	p.StreamMemory, err = memory(f, p.Devices)
	return err
}

// benchTimeout is the deadline of every job in the bench: the bench
// measures speed, not failure detection, and the adaptive deadline (ten
// times the stage's slowest job so far, plus 2 s) is shorter than the
// push of a frame's inputs that waits behind a window of frames on a slow
// network (seen: layer-wise VGG-16 at 10mbit, 24 frames in flight).
const benchTimeout = 10 * time.Minute

func ms(d time.Duration) float64 { return float64(d) / 1e6 }
