package profile

import (
	"context"
	"fmt"
	goruntime "runtime"
	"sync"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime"
)

// Parallelism measures how many cores' worth of work n one-thread
// executors get done when they run at once on this machine, as a stage
// of n tiles sees it: n times the time of a run alone over the time of
// the slowest of n runs started together (the median over rounds of each
// round's slowest run), since a stage waits for its slowest tile: on a
// shared machine the slowest of n equal runs is often one a neighbour
// slowed. Each run is a compute-bound 3x3 convolution and a memory-bound
// 1x1 one, as models mix them. On an ideal n-core machine it is n;
// virtual CPUs that share a physical core, caches or memory bandwidth
// give less (measured on this project's 2-vCPU VM: about 1.4), and so
// do vCPUs of unequal speed (a neighbour on one
// physical core: in VGG-16's fused stages on two local workers the slower
// tile took 1.15-1.5x the faster one's time for the same work), and a
// planner for local workers that counts n full cores predicts them too
// fast by that factor.
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
	once := func(j job) (time.Duration, error) {
		t0 := time.Now()
		_, err := j.e.Run(ctx, j.in)
		return time.Since(t0), err
	}
	const rounds = 15
	alone, err := func() (time.Duration, error) {
		goruntime.LockOSThread()
		defer goruntime.UnlockOSThread()
		var ds []time.Duration
		for r := range rounds + 2 { // the first two warm caches and scratch
			d, err := once(jobs[0])
			if err != nil {
				return 0, err
			}
			if r >= 2 {
				ds = append(ds, d)
			}
		}
		return median(ds), nil
	}()
	if err != nil {
		return 0, err
	}
	// Rounds of n runs started together; a round lasts as long as its
	// slowest run.
	slowests := make([]time.Duration, rounds)
	times := make([][]time.Duration, n)
	errs := make([]error, n)
	start := make([]chan struct{}, rounds)
	for r := range start {
		start[r] = make(chan struct{})
	}
	var wg, ready sync.WaitGroup
	ready.Add(n) // round 0's; each next round's before the previous one starts
	for i := range jobs {
		wg.Go(func() {
			goruntime.LockOSThread()
			defer goruntime.UnlockOSThread()
			if _, err := once(jobs[i]); err != nil { // warm
				errs[i] = err
			}
			for r := range rounds {
				ready.Done()
				<-start[r]
				d, err := once(jobs[i])
				if err != nil && errs[i] == nil {
					errs[i] = err
				}
				times[i] = append(times[i], d)
			}
		})
	}
	for r := range rounds {
		ready.Wait()
		if r+1 < rounds {
			ready.Add(n)
		}
		close(start[r])
	}
	wg.Wait()
	for i := range jobs {
		if errs[i] != nil {
			return 0, errs[i]
		}
	}
	for r := range rounds {
		for i := range jobs {
			slowests[r] = max(slowests[r], times[i][r])
		}
	}
	slowest := median(slowests)
	return min(float64(n), max(1, float64(n)*alone.Seconds()/slowest.Seconds())), nil
}
