package testbed

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/verify"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// FaultConfig is a fault run: Frames frames of Graph streamed through
// Plan on the first Devices devices, the device Kill killed once After
// frames are complete.
type FaultConfig struct {
	Graph   *graphir.Graph
	Inputs  map[string]*graphir.Tensor
	Plan    *graphir.Plan
	Devices int
	Frames  int
	Kill    int // device index
	After   int
	// Log receives the coordinator's failover lines (which worker was
	// dropped and why, where its tiles went) and the fault run's own.
	Log io.Writer
}

// FaultResult is what a fault run saw.
type FaultResult struct {
	Frames, Right int // frames that arrived, and that equal one device's
	Killed        string
	Failovers     []coord.Failover
	Report        *coord.Report
}

// Fault runs cfg: it starts the devices, streams the frames, kills one
// device's worker (its container) mid-stream and checks every frame's
// outputs against one device.
func (tb *Testbed) Fault(ctx context.Context, cfg FaultConfig) (*FaultResult, error) {
	if cfg.Kill < 0 || cfg.Kill >= cfg.Devices {
		return nil, fmt.Errorf("fault: device %d of %d", cfg.Kill, cfg.Devices)
	}
	want, err := verify.Local(ctx, cfg.Graph, cfg.Inputs)
	if err != nil {
		return nil, err
	}
	f, err := tb.Provider().StartDevices(ctx, cfg.Devices)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	devs := map[string]int{}
	for i := range cfg.Devices {
		devs[DeviceName(i)] = i
	}
	log := &lockedWriter{w: cfg.Log}
	res := &FaultResult{Killed: DeviceName(cfg.Kill)}
	var done atomic.Int32
	var killed sync.Once
	var mu sync.Mutex
	opts := coord.Options{Devices: devs, Log: log, TileTimeout: 0,
		OnFrame: func(k int, out map[string]*graphir.Tensor) {
			ok := true
			for _, v := range cfg.Graph.Outputs {
				if o := verify.Compare(v.Name, out[v.Name], want[v.Name]); !o.OK {
					ok = false
					fmt.Fprintf(log, "fault: frame %d: output %s differs from one device: max abs %g\n", k, v.Name, o.MaxAbs)
				}
			}
			mu.Lock()
			res.Frames++
			if ok {
				res.Right++
			}
			mu.Unlock()
			if int(done.Add(1)) == cfg.After {
				killed.Do(func() {
					fmt.Fprintf(log, "fault: %d frames done: killing %s (worker %d, %s)\n", cfg.After, DeviceName(cfg.Kill), cfg.Kill, f.Connected().Workers[cfg.Kill].Addr)
					if err := f.Kill(context.WithoutCancel(ctx), cfg.Kill); err != nil {
						fmt.Fprintf(log, "fault: kill: %v\n", err)
					}
				})
			}
		}}
	s, err := f.Connected().Open(ctx, cfg.Graph, cfg.Plan, opts)
	if err != nil {
		return nil, err
	}
	defer s.Close(context.WithoutCancel(ctx))
	in := make([]map[string]*graphir.Tensor, cfg.Frames)
	for i := range in {
		in[i] = cfg.Inputs
	}
	_, rep, err := s.Run(ctx, in)
	res.Report = rep
	res.Failovers = s.Failovers()
	return res, err
}

// lockedWriter serialises writes from the coordinator's goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w == nil {
		return len(p), nil
	}
	return l.w.Write(p)
}

// PlanOn probes the testbed's network and plans g with strategy s for its
// first n devices, on profiles (nil: this machine's, local, scaled by the
// classes' quotas).
func (tb *Testbed) PlanOn(ctx context.Context, g *graphir.Graph, n int, s planner.Strategy, profiles map[string]*costmodel.Profile,
	local func(threads int) (*costmodel.Profile, error), probe coord.ProbeOptions) (*planner.Result, error) {
	b := &bench{tb: tb, cfg: BenchConfig{Profiles: profiles, Local: local, Probe: probe}}
	if err := b.probe(ctx, BenchNetwork{Name: bitString(tb.st.Bandwidth), Bits: tb.st.Bandwidth}); err != nil {
		return nil, err
	}
	cl, err := b.plannerCluster(n)
	if err != nil {
		return nil, err
	}
	if s == Even {
		return evenPlan(g, cl)
	}
	return planner.PlanWith(g, cl, s, planner.Options{})
}
