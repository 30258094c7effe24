package profile

import (
	"context"
	"fmt"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime"
)

// Timing of one micro-benchmark: Measure visits every bench visits
// times, in passes over the whole grid (a few minutes apart), and takes
// the median of the visits' ratios. A visit is a warm-up pair, then pairs
// until there are minRuns and they took runTarget, at most maxRuns. On
// the 2-vCPU VM the same sizes measured in three passes of one process
// agreed within 10% for only 84% of them (conv-depthwise 79%): the
// machine's speed for one kind of code against another moves over
// minutes, which more pairs in a row do not average out. The median of
// three visits held out 80% of the sizes within 10% where one visit held
// out 75-78% (Winograd 91% against 80-86%), for about twice the
// profile's time (earlier: 3 pairs for long benches fitted 46-48% of 3x3
// sizes within 10%, 5 pairs 57% at the same load). A run is the executor's whole Run (as a node costs inside a
// model: its kernel, the executor's bookkeeping, the clearing of an output
// its kernel does not overwrite), less the median Run of a graph holding
// only the one-element Slice that ends every micro-benchmark (base).
//
// With one thread a run is timed by the CPU time of its OS thread (the
// goroutine locked to it; kernels start no goroutines then), so that the
// time other processes take the core away does not count. With more
// threads the wall clock times it, and the sample is the ratio of the
// fastest runs (a descheduled helper thread only ever adds time).
//
// The speed of a shared machine also drifts: on the 2-core VM this was
// written on, a scalar reference kernel took 112 or 195 us of CPU time for
// the same work, switching every few seconds (another tenant on the
// core's SMT sibling), and a convolution 2550 to 3450 us. So every run of
// a micro-benchmark is paired with a run of its kind's reference (a
// mid-sized bench of the same kind), as tools/bench alternates engines:
// the sample is the median ratio of the pairs times the reference's median
// over the whole measurement (Measure scales it at the end).
const (
	visits    = 3
	minRuns   = 3
	maxRuns   = 101
	runTarget = 4 * time.Millisecond
	// A pair whose reference run is disturbed (more than disturbed times
	// its median) is replaced, up to maxTries pairs (measure).
	disturbed = 1.25
	maxTries  = 4 * minRuns
)

// Weights of at least coldWeights bytes are evicted from the caches
// before every run, by reading evictBytes of other memory: inside a model
// they were last read a whole inference ago, so they come from DRAM. The
// cost model has a term for those bytes (costmodel.ColdWeights).
const (
	coldWeights = costmodel.ColdWeights
	evictBytes  = 64 << 20
)

// timer measures micro-benchmarks with one executor configuration.
type timer struct {
	threads    int
	arch, tier string
	seed       uint64
	base       time.Duration         // the Run of the Slice alone
	refs       map[string]*reference // by the reference spec's String (a bench without one: its own)
	refOf      map[string]string     // a measured bench's String to its reference's
	evict      []byte                // read before each run of a micro-benchmark with cold weights
	// disturbedPairs counts the pairs measure replaced.
	disturbedPairs int
	sink           byte
}

// reference is a kind's reference bench and all its timed runs.
type reference struct {
	p     *prepared
	times []time.Duration
}

// prepared is a micro-benchmark ready to run.
type prepared struct {
	e    *runtime.Executor
	in   map[string]*graphir.Tensor
	work costmodel.Work
	kind costmodel.Kind
}

func (t *timer) prepare(s spec) (*prepared, error) {
	b := newBuilder(t.seed)
	y, err := s.build(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	g, in, err := b.finish(y)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	e, err := runtime.NewWithOptions(g, runtime.Options{Threads: t.threads})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	n := e.Graph().Nodes[0]
	return &prepared{e: e, in: in, work: costmodel.NodeWork(n), kind: costmodel.Classify(n, t.arch, t.tier)}, nil
}

// wall reports whether runs are timed by the wall clock (more than one
// thread, or no thread CPU clock).
func (t *timer) wall() bool {
	_, ok := threadCPUTime()
	return !ok || t.threads != 1
}

// clock reads the time runs are measured by: the thread's CPU time with
// one thread (the caller locks its OS thread), else the wall clock.
func (t *timer) clock() func() time.Duration {
	if !t.wall() {
		return func() time.Duration { d, _ := threadCPUTime(); return d }
	}
	start := time.Now()
	return func() time.Duration { return time.Since(start) }
}

// run runs p once and returns how long it took, less the base.
func (t *timer) run(ctx context.Context, p *prepared, now func() time.Duration) (time.Duration, error) {
	if p.work.WeightBytes >= coldWeights {
		t.evictCaches()
	}
	t0 := now()
	_, err := p.e.Run(ctx, p.in)
	return now() - t0 - t.base, err
}
