package coord

import (
	"context"
	"sync"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/verify"
)

// RunnerOptions configure Runner.
type RunnerOptions struct {
	Local   LocalOptions
	Grid    graphir.Grid // fused blocks' grid (0x0: DefaultGrid)
	Session Options
}

// Runner returns a verify.Runner that runs each graph with
// graphir.SimplePlan across opts.Local.Workers local worker processes,
// started on first use, and a function that stops them. Consecutive calls
// with the same graph reuse its session.
func Runner(opts RunnerOptions) (verify.Runner, func() error) {
	var (
		mu    sync.Mutex
		local *Local
		sess  *Session
		cur   *graphir.Graph
	)
	run := func(ctx context.Context, g *graphir.Graph, inputs map[string]*graphir.Tensor) (map[string]*graphir.Tensor, error) {
		mu.Lock()
		defer mu.Unlock()
		if local == nil {
			l, err := StartLocal(context.WithoutCancel(ctx), opts.Local)
			if err != nil {
				return nil, err
			}
			local = l
		}
		if cur != g {
			if sess != nil {
				sess.Close(ctx)
				sess, cur = nil, nil
			}
			grid := opts.Grid
			if grid.Rows < 1 || grid.Cols < 1 {
				grid = DefaultGrid(opts.Local.Workers)
			}
			plan, err := graphir.SimplePlan(g, opts.Local.Workers, grid)
			if err != nil {
				return nil, err
			}
			s, err := local.Open(ctx, g, plan, opts.Session)
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
		if local != nil {
			return local.Close()
		}
		return nil
	}
	return run, stop
}

// DefaultGrid is the grid of n tiles closest to square, with no more rows
// than columns (4: 2x2, 2: 1x2, 6: 2x3).
func DefaultGrid(n int) graphir.Grid {
	r := 1
	for d := 1; d*d <= n; d++ {
		if n%d == 0 {
			r = d
		}
	}
	return graphir.Grid{Rows: r, Cols: max(1, n/r)}
}
