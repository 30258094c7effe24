package bench

import (
	"context"
	"fmt"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Plan says how many times to run each side, and how to keep the sides
// from disturbing each other.
type Plan struct {
	// Warmup rounds, untimed for the statistics (each side takes one turn
	// per round, in the same alternating order).
	Warmup int
	// Runs is the number of timed rounds; 0 chooses it from Budget and the
	// duration of a warm-up round, between MinRuns and MaxRuns.
	Runs int
	// Budget is the wall time the timed rounds of one measurement may take
	// when Runs is 0.
	Budget time.Duration
	// MinRuns and MaxRuns bound the automatic count.
	MinRuns, MaxRuns int
	// Settle starts every turn: Threads goroutines spin for this long, so
	// that the other side's worker threads have stopped spinning (ONNX
	// Runtime's spin for about 50 ms after a run, and would take a core
	// from this side) while the CPUs stay awake (an idle pause lets a
	// virtual machine's vCPUs sleep, and the next run pays for waking them).
	Settle  time.Duration
	Threads int
	// Lead is the number of untimed runs of a side right before each of its
	// timed runs, so that the timed run finds the side's own threads and
	// caches warm, as in back-to-back inference.
	Lead int
	// GC runs the Go garbage collector right before every timed run.
	GC bool
}

// DefaultPlan is what the bench command uses unless told otherwise.
var DefaultPlan = Plan{Warmup: 2, Budget: 10 * time.Second, MinRuns: 5, MaxRuns: 30, Settle: 100 * time.Millisecond, Lead: 1, GC: true}

// autoRuns is the number of timed rounds that fit in the budget, given how
// long one warm-up round took (settle and lead runs included).
func (p Plan) autoRuns(round time.Duration) int {
	if p.Runs > 0 {
		return p.Runs
	}
	lo, hi := max(p.MinRuns, 1), p.MaxRuns
	if hi < lo {
		hi = lo
	}
	if round <= 0 {
		return hi
	}
	return min(max(int(p.Budget/round), lo), hi)
}

// Alternate runs sides in turn, round after round: Warmup rounds, then the
// timed rounds, and returns each side's timed samples (samples[i] for
// sides[i]). Every round gives every side one turn, in order (Pause, Lead
// untimed runs, GC, the timed run), so drifts in clock speed or in other
// processes' load fall on all sides alike.
func Alternate(ctx context.Context, p Plan, sides ...func(context.Context) error) ([][]time.Duration, error) {
	one := func(i int) (time.Duration, error) {
		spin(p.Settle, max(p.Threads, 1))
		for l := 0; l < p.Lead; l++ {
			if err := sides[i](ctx); err != nil {
				return 0, err
			}
		}
		if p.GC {
			goruntime.GC()
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		start := time.Now()
		err := sides[i](ctx)
		return time.Since(start), err
	}
	var round time.Duration
	for w := 0; w < p.Warmup || (w == 0 && p.Runs == 0); w++ {
		// Without warm-up, one untimed round still tells the round time.
		start := time.Now()
		for i := range sides {
			if _, err := one(i); err != nil {
				return nil, fmt.Errorf("warm-up run %d of side %d: %w", w+1, i, err)
			}
		}
		round = time.Since(start)
	}
	n := p.autoRuns(round)
	samples := make([][]time.Duration, len(sides))
	for i := range samples {
		samples[i] = make([]time.Duration, 0, n)
	}
	for r := 0; r < n; r++ {
		for i := range sides {
			d, err := one(i)
			if err != nil {
				return nil, fmt.Errorf("run %d of side %d: %w", r+1, i, err)
			}
			samples[i] = append(samples[i], d)
		}
	}
	return samples, nil
}

// spin keeps n goroutines busy for d.
func spin(d time.Duration, n int) {
	if d <= 0 {
		return
	}
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := uint64(1)
			for time.Now().Before(deadline) {
				for j := 0; j < 1000; j++ {
					x = x*6364136223846793005 + 1442695040888963407
				}
			}
			spinSink.Add(x)
		}()
	}
	wg.Wait()
}

var spinSink atomic.Uint64
