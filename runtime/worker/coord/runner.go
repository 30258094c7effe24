package coord

import (
	"context"
	"errors"
	"sync"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/verify"
)

// Planner makes a plan of g for devices workers named
// graphir.DeviceID(0..devices-1). The coordinator does not plan: its caller
// chooses how (package planner).
type Planner func(g *graphir.Graph, devices int) (*graphir.Plan, error)

// RunnerOptions configure Runner.
type RunnerOptions struct {
	// Provider starts Devices workers on first use.
	Provider Provider
	Devices  int
	// Planner makes the plan of each graph for the workers.
	Planner Planner
	Session Options
}

// Runner returns a verify.Runner that runs each graph with the plan
// opts.Planner makes for opts.Devices workers of opts.Provider,
// started on first use, and a function that stops them. Consecutive calls
// with the same graph reuse its session.
func Runner(opts RunnerOptions) (verify.Runner, func() error) {
	var (
		mu    sync.Mutex
		fleet Fleet
		sess  *Session
		cur   *graphir.Graph
	)
	run := func(ctx context.Context, g *graphir.Graph, inputs map[string]*graphir.Tensor) (map[string]*graphir.Tensor, error) {
		mu.Lock()
		defer mu.Unlock()
		if fleet == nil {
			f, err := opts.Provider.Start(context.WithoutCancel(ctx), opts.Devices)
			if err != nil {
				return nil, err
			}
			fleet = f
		}
		if cur != g {
			if sess != nil {
				sess.Close(ctx)
				sess, cur = nil, nil
			}
			if opts.Planner == nil {
				return nil, errors.New("local runner: no planner")
			}
			plan, err := opts.Planner(g, opts.Devices)
			if err != nil {
				return nil, err
			}
			s, err := fleet.Connected().Open(ctx, g, plan, opts.Session)
			if err != nil {
				return nil, err
			}
			sess, cur = s, g
		}
		outs, _, err := sess.Run(ctx, []map[string]*graphir.Tensor{inputs})
		if err != nil {
			return nil, err
		}
		return outs[0], nil
	}
	stop := func() error {
		mu.Lock()
		defer mu.Unlock()
		if sess != nil {
			sess.Close(context.Background())
		}
		if fleet != nil {
			return fleet.Close()
		}
		return nil
	}
	return run, stop
}
