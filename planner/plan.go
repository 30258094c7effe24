package planner

import (
	"fmt"
	"time"

	"github.com/edgectl/edgectl/graphir"
)

// Result is a plan and its predicted schedule.
type Result struct {
	Plan *graphir.Plan
	// Predicted is the objective's value: Latency or Period.
	Predicted float64
	// Latency is the predicted time of one frame; Period the predicted
	// time between frames when frames are streamed (both in seconds).
	Latency, Period float64
	// Stages holds each stage's predicted times, in plan order; Gather
	// is bringing the outputs to the coordinator.
	Stages []StageTime
	Gather Transfer
	// Single is the predicted latency of the whole graph on the fastest
	// device alone (inputs sent to it, outputs sent back), on
	// SingleDevice.
	Single       float64
	SingleDevice string
	// Memory is what each device the plan uses needs: its stages' weights
	// (with its kernels' packed copies), its largest tile's inputs and
	// outputs, and the largest scratch one of its kernels takes beside
	// them.
	Memory []MemoryUse
	// Elapsed is how long the search took.
	Elapsed time.Duration
}

// MemoryUse is one device's predicted memory.
type MemoryUse struct {
	Device string
	Bytes  float64
	Limit  int64 // 0: no limit
}

// StageTime is one stage's prediction.
type StageTime struct {
	Name    string
	Mode    Mode
	Devices []string // per tile
	Split   string   // "2x2", "rows 4", "channels 4", ""
	// RTT is the coordinator's round trip that starts the stage, Comm the
	// transfer of the pieces its tiles need, Compute its slowest tile (each
	// tile's in Tiles), all in seconds.
	RTT, Compute float64
	Comm         Transfer
	Tiles        []float64
}

// Total is the stage's predicted time.
func (s StageTime) Total() float64 { return s.RTT + s.Comm.Seconds + s.Compute }

// Transfer is the messages of a transfer and the time they take.
type Transfer struct {
	Seconds  float64
	Messages int
	Bytes    float64
}

func (t transfer) export() Transfer {
	return Transfer{Seconds: t.seconds, Messages: t.msgs, Bytes: t.bytes}
}

// Plan chooses, segment by segment, how g runs on the cluster: on one
// device, as a fused block in a grid of tiles sized to the devices' speeds,
// or layer by layer split by rows or output channels, minimising the
// objective.
func Plan(g *graphir.Graph, cl *Cluster, opts Options) (*Result, error) {
	start := time.Now()
	p, err := newSearch(g, cl, opts)
	if err != nil {
		return nil, err
	}
	var best *state
	switch p.opts.Objective {
	case Latency:
		best, err = p.fitting(p.latency)
	case Throughput:
		best, err = p.fitting(p.throughput)
	default:
		return nil, fmt.Errorf("plan: objective %q is not latency or throughput", p.opts.Objective)
	}
	if err != nil {
		return nil, err
	}
	if p.opts.Objective == Latency && p.opts.MinGain > 0 {
		best = p.unlessSingleIsClose(best)
	}
	res, err := p.result(best)
	if err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// result turns the chain of options that reaches s into a plan and its
// prediction.
func (p *search) result(s *state) (*Result, error) {
	plan := &graphir.Plan{APIVersion: graphir.PlanAPIVersion, Kind: graphir.PlanKind, Model: p.g.Name}
	res := &Result{Plan: plan}
	for _, st := range chain(s) {
		for i, c := range st.opt.stages {
			name := fmt.Sprintf("s%d", len(plan.Stages))
			plan.Stages = append(plan.Stages, p.graphStage(c.spec, name))
			res.Stages = append(res.Stages, p.stageTime(name, st.opt.mode, st.steps[i]))
		}
	}
	res.Gather = p.gather(s.pl, p.live[len(p.bounds)-1]).export()
	res.Latency, res.Period = p.finish(s), p.period(s)
	res.Memory = p.memoryReport(s)
	res.Predicted = res.Latency
	if p.opts.Objective == Throughput {
		res.Predicted = res.Period
	}
	if err := plan.Validate(); err != nil {
		return nil, fmt.Errorf("plan: internal error: the plan made is not valid: %w", err)
	}
	one, err := p.singleDevice(p.order[0])
	if err != nil {
		return nil, err
	}
	res.Single, res.SingleDevice = one, p.cl.Devices[p.order[0]].Name
	return res, nil
}

func (p *search) stageTime(name string, mode Mode, st step) StageTime {
	out := StageTime{Name: name, Mode: mode, RTT: st.rtt, Comm: st.comm.export(), Compute: st.compute,
		Tiles: append([]float64(nil), st.c.tile...)}
	for _, d := range st.c.spec.devs {
		out.Devices = append(out.Devices, p.cl.Devices[d].Name)
	}
	s := st.c.spec
	switch {
	case s.kind == graphir.StageSingle:
		out.Mode = ModeSingle
	case len(s.chans) > 0:
		out.Split = fmt.Sprintf("channels %d", len(s.chans)-1)
	case s.kind == graphir.StageLayerwise:
		out.Split = fmt.Sprintf("rows %d", len(s.rows)-1)
	default:
		out.Split = fmt.Sprintf("%dx%d", len(s.rows)-1, len(s.cols)-1)
	}
	return out
}

// unlessSingleIsClose returns the whole graph on the fastest device
// instead of best when best saves less than MinGain of its latency and
// that device holds the whole model.
func (p *search) unlessSingleIsClose(best *state) *state {
	one, err := p.singleState(p.order[0])
	if err != nil {
		return best
	}
	if p.finish(best) < p.finish(one)*(1-p.opts.MinGain) || p.overMemory(one) != "" {
		return best
	}
	return one
}

// singleDevice is the predicted latency of the whole graph on device d.
func (p *search) singleDevice(d int) (float64, error) {
	s, err := p.singleState(d)
	if err != nil {
		return 0, err
	}
	return p.finish(s), nil
}

// singleState is the state of the whole graph run on device d.
func (p *search) singleState(d int) (*state, error) {
	c, err := p.price(&spec{lo: 0, hi: len(p.g.Nodes), kind: graphir.StageSingle, devs: []int{d}})
	if err != nil {
		return nil, err
	}
	return p.apply(p.start(), &option{mode: ModeSingle, stages: []*priced{c}, k: 1}, len(p.bounds)-1), nil
}
