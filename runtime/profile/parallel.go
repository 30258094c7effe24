package profile

import (
	"context"
	"fmt"
	goruntime "runtime"
	"slices"
	"sync"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime"
)

// Parallelism measures how many cores' worth of work n one-thread
// executors get done when they run at once on this machine: n times the
// time of a run alone over the time of one of n concurrent runs (median
// of rounds). Each run is a compute-bound 3x3 convolution and a
// memory-bound 1x1 one, as models mix them. On an ideal n-core machine
// it is n; virtual CPUs that share a physical core, caches or memory
// bandwidth give less (measured on this project's 2-vCPU VM: about 1.4),
// and a planner for local workers that counts n full cores predicts them
// too fast by that factor.
func Parallelism(ctx context.Context, n int) (float64, error) {
	if n < 1 {
		return 0, fmt.Errorf("parallelism: %d executors", n)
	}
	if n == 1 {
		return 1, nil
	}
	type job struct {
		e  *runtime.Executor
		in map[string]*graphir.Tensor
	}
	jobs := make([]job, n)
	for i := range jobs {
		b := newBuilder(uint64(i) + 1)
		y, err := layer(96, 56, 96, 3, 1, graphir.OpRelu).build(b)
		if err != nil {
			return 0, err
		}
		w := b.constant(0.1, 384, 96, 1, 1)
		a := graphir.Attrs{}
		a.SetInts("kernel_shape", ints64(1, 1))
		if y, err = b.node(graphir.OpConv, 13, a, y, w); err != nil {
			return 0, err
		}
		g, in, err := b.finish(y)
		if err != nil {
			return 0, err
		}
		e, err := runtime.NewWithOptions(g, runtime.Options{Threads: 1})
		if err != nil {
			return 0, err
		}
		jobs[i] = job{e, in}
	}
	run := func(j job, k int) (time.Duration, error) {
		goruntime.LockOSThread()
		defer goruntime.UnlockOSThread()
		var ds []time.Duration
		for range k {
			t0 := time.Now()
			if _, err := j.e.Run(ctx, j.in); err != nil {
				return 0, err
			}
			ds = append(ds, time.Since(t0))
		}
		slices.Sort(ds)
		return ds[len(ds)/2], nil
	}
	const rounds = 7
	if _, err := run(jobs[0], 2); err != nil { // warm caches and scratch
		return 0, err
	}
	alone, err := run(jobs[0], rounds)
	if err != nil {
		return 0, err
	}
	together := make([]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range jobs {
		wg.Go(func() { together[i], errs[i] = run(jobs[i], rounds) })
	}
	wg.Wait()
	var sum time.Duration
	for i, d := range together {
		if errs[i] != nil {
			return 0, errs[i]
		}
		sum += d
	}
	mean := sum / time.Duration(n)
	return min(float64(n), max(1, float64(n)*alone.Seconds()/mean.Seconds())), nil
}
