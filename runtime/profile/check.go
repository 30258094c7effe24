package profile

import (
	"context"
	goruntime "runtime"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime"
)

// Check is a profile's prediction of one model on this machine against
// the model's measured time.
type Check struct {
	Predicted time.Duration // costmodel.PredictGraph
	// Wall is the median wall time of runs of the whole model, as
	// `edgectl infer` times one; CPU the median CPU time of the running
	// thread (one thread only, else 0), which time taken by other
	// processes does not inflate.
	Wall, CPU time.Duration
	Runs      int
}

// CheckModel predicts g with p and measures it with the executor and
// threads intra-op threads: one warm-up run, then runs timed runs (at
// least 3) on random inputs.
func CheckModel(ctx context.Context, p *costmodel.Profile, g *graphir.Graph, threads, runs int) (Check, error) {
	pred, _ := costmodel.PredictGraph(p, g)
	c := Check{Predicted: time.Duration(pred * float64(time.Second)), Runs: max(runs, 3)}
	in, err := RandomInputs(g, 1)
	if err != nil {
		return c, err
	}
	e, err := runtime.NewWithOptions(g, runtime.Options{Threads: threads})
	if err != nil {
		return c, err
	}
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	_, cpuOK := threadCPUTime()
	cpuOK = cpuOK && (threads == 1 || (threads <= 0 && goruntime.GOMAXPROCS(0) == 1))
	var walls, cpus []time.Duration
	for i := -1; i < c.Runs; i++ {
		goruntime.GC()
		c0, _ := threadCPUTime()
		t0 := time.Now()
		if _, err := e.Run(ctx, in); err != nil {
			return c, err
		}
		w := time.Since(t0)
		c1, _ := threadCPUTime()
		if i >= 0 {
			walls, cpus = append(walls, w), append(cpus, c1-c0)
		}
	}
	c.Wall = median(walls)
	if cpuOK {
		c.CPU = median(cpus)
	}
	return c, nil
}
