package coord

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/edgectl/edgectl/graphir"
)

// RunConfig is one `edgectl run`: a graph, a plan, where the workers are,
// and the frames to run.
type RunConfig struct {
	Graph *graphir.Graph
	// Plan to run; when nil, Planner makes one for the local workers.
	Plan    *graphir.Plan
	Planner Planner
	// Provider, when set, starts Devices workers for the run (local
	// processes, containers) and stops them after. Otherwise Workers lists
	// running workers, "ADDR" or "DEVICE=ADDR" (a plan device id); with no
	// Workers either, each device id of the plan is taken as its worker's
	// address.
	Provider Provider
	Devices  int
	Workers  []string
	Auth     Auth
	// Inputs are fed to every one of Frames frames (at least 1), after
	// Warmup frames that are run but neither returned nor measured.
	Inputs  map[string]*graphir.Tensor
	Frames  int
	Warmup  int
	Session Options
}

// RunResult is the outcome of RunGraph.
type RunResult struct {
	Plan    *graphir.Plan
	Outputs []map[string]*graphir.Tensor // per frame
	Report  *Report
}

// RunGraph starts or connects to the workers, opens a session, runs the
// frames and closes everything (local workers are killed, also on error).
func RunGraph(ctx context.Context, cfg RunConfig) (*RunResult, error) {
	frames := max(cfg.Frames, 1)
	var (
		cl      *Cluster
		devices map[string]int
		err     error
	)
	plan := cfg.Plan
	if cfg.Provider != nil {
		if cfg.Devices < 1 {
			return nil, fmt.Errorf("want at least one worker to start, have %d", cfg.Devices)
		}
		if plan == nil {
			if cfg.Planner == nil {
				return nil, errors.New("no plan and no planner for the workers")
			}
			if plan, err = cfg.Planner(cfg.Graph, cfg.Devices); err != nil {
				return nil, err
			}
		}
		f, err := cfg.Provider.Start(ctx, cfg.Devices)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		cl = f.Connected()
	} else {
		if plan == nil {
			return nil, errors.New("no plan and no workers to start: give a plan, or workers to make one for")
		}
		var addrs []string
		if addrs, devices, err = remoteWorkers(plan, cfg.Workers); err != nil {
			return nil, err
		}
		if cl, err = Dial(addrs, cfg.Auth); err != nil {
			return nil, err
		}
		defer cl.Close()
	}
	opts := cfg.Session
	if opts.Devices == nil {
		opts.Devices = devices
	}
	s, err := cl.Open(ctx, cfg.Graph, plan, opts)
	if err != nil {
		return nil, err
	}
	defer s.Close(context.WithoutCancel(ctx))
	if cfg.Warmup > 0 {
		// Workers build a tile's executor and pack its weights on its
		// first job: frames that pay for that are not measured.
		warm := make([]map[string]*graphir.Tensor, cfg.Warmup)
		for i := range warm {
			warm[i] = cfg.Inputs
		}
		if _, _, err := s.Run(ctx, warm); err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
	}
	in := make([]map[string]*graphir.Tensor, frames)
	for i := range in {
		in[i] = cfg.Inputs
	}
	outs, rep, err := s.Run(ctx, in)
	if err != nil {
		return nil, err
	}
	return &RunResult{Plan: plan, Outputs: outs, Report: rep}, nil
}

// remoteWorkers resolves worker addresses and the plan's device map.
func remoteWorkers(plan *graphir.Plan, specs []string) ([]string, map[string]int, error) {
	var ids []string
	for _, st := range plan.Stages {
		for _, d := range st.Split.Devices {
			if !contains(ids, d) {
				ids = append(ids, d)
			}
		}
	}
	if len(specs) == 0 {
		m := map[string]int{}
		for i, d := range ids {
			m[d] = i
		}
		return ids, m, nil
	}
	var addrs []string
	named := map[string]int{}
	for _, s := range specs {
		id, addr, ok := strings.Cut(s, "=")
		if !ok {
			addrs = append(addrs, s)
			continue
		}
		if id == "" || addr == "" {
			return nil, nil, fmt.Errorf("worker %q: want ADDR or DEVICE=ADDR", s)
		}
		named[id] = len(addrs)
		addrs = append(addrs, addr)
	}
	if len(named) == 0 {
		m, err := DeviceMap(plan, len(addrs))
		return addrs, m, err
	}
	for _, d := range ids {
		if _, ok := named[d]; !ok {
			return nil, nil, &NoWorkerError{Device: d}
		}
	}
	return addrs, named, nil
}

// NoWorkerError says that a plan's device has no worker address.
type NoWorkerError struct{ Device string }

func (e *NoWorkerError) Error() string {
	return fmt.Sprintf("plan device %q has no worker address", e.Device)
}
