package profile

import (
	"context"
	"fmt"
	goruntime "runtime"
	"slices"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime"
)

// Timing of one micro-benchmark. A run is the executor's whole Run (as a
// node costs inside a model: its kernel, the executor's bookkeeping, the
// clearing of an output its kernel does not overwrite), less the median
// Run of a graph holding only the one-element Slice that ends every
// micro-benchmark (base).
//
// With one thread a run is timed by the CPU time of its OS thread (the
// goroutine locked to it; kernels start no goroutines then), so that the
// time other processes take the core away does not count. With more
// threads the wall clock times it.
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
	minRuns   = 7
	maxRuns   = 201
	runTarget = 20 * time.Millisecond
)

// Weights of at least coldWeights bytes are evicted from the caches
// before every run, by reading evictBytes of other memory: inside a model
// they were last read a whole inference ago, so they come from DRAM.
const (
	coldWeights = 1 << 20
	evictBytes  = 64 << 20
)

// timer measures micro-benchmarks with one executor configuration.
type timer struct {
	threads    int
	arch, tier string
	seed       uint64
	base       time.Duration // the Run of the Slice alone
	refs       map[costmodel.Kind]*reference
	evict      []byte // read before each run of a micro-benchmark with cold weights
	sink       byte
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

// clock reads the time runs are measured by: the thread's CPU time with
// one thread (the caller locks its OS thread), else the wall clock.
func (t *timer) clock() func() time.Duration {
	if _, ok := threadCPUTime(); ok && t.threads == 1 {
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

// baseline measures the Run of a graph that is only the final Slice.
func (t *timer) baseline(ctx context.Context) error {
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	b := newBuilder(t.seed)
	g, in, err := b.finish(b.input(1, 8, 8, 8))
	if err != nil {
		return err
	}
	e, err := runtime.NewWithOptions(g, runtime.Options{Threads: t.threads})
	if err != nil {
		return err
	}
	p, now := &prepared{e: e, in: in}, t.clock()
	var ds []time.Duration
	for i := 0; i < 301; i++ {
		d, err := t.run(ctx, p, now)
		if err != nil {
			return err
		}
		ds = append(ds, d)
	}
	t.base = median(ds[1:])
	return nil
}

// measure times bench bn, paired run by run with its kind's reference,
// and returns the sample whose Seconds is the median ratio of the pairs
// (scale multiplies it by the reference's time).
func (t *timer) measure(ctx context.Context, bn bench) (costmodel.Sample, error) {
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	p, err := t.prepare(bn.spec)
	if err != nil {
		return costmodel.Sample{}, err
	}
	ref := t.refs[p.kind]
	if ref == nil {
		ref = &reference{p: p}
		if bn.ref != nil {
			if ref.p, err = t.prepare(bn.ref); err != nil {
				return costmodel.Sample{}, err
			}
		}
		t.refs[p.kind] = ref
	}
	goruntime.GC()
	now := t.clock()
	var ratios []float64
	var sum time.Duration
	for i := -2; i < minRuns || (sum < runTarget && i < maxRuns); i++ {
		r, err := t.run(ctx, ref.p, now)
		if err != nil {
			return costmodel.Sample{}, fmt.Errorf("%s: %w", bn, err)
		}
		d, err := t.run(ctx, p, now)
		if err != nil {
			return costmodel.Sample{}, fmt.Errorf("%s: %w", bn, err)
		}
		if i < 0 {
			if d > 20*time.Millisecond {
				i = -1 // one warm-up run for a long bench
			}
			continue
		}
		// A node never takes less than a tenth of the base Run.
		floor := max(t.base/10, time.Nanosecond)
		ratios = append(ratios, float64(max(d, floor))/float64(max(r, floor)))
		ref.times = append(ref.times, max(r, floor))
		sum += d + r
	}
	return costmodel.Sample{Kind: p.kind, Shape: bn.String(), Work: p.work, Seconds: medianF(ratios)}, nil
}

// scaled returns the samples with their ratios turned into seconds: each
// times its kind's reference median so far.
func (t *timer) scaled(samples []costmodel.Sample) []costmodel.Sample {
	out := slices.Clone(samples)
	for i := range out {
		if r := t.refs[out[i].Kind]; r != nil && len(r.times) > 0 {
			out[i].Seconds *= median(r.times).Seconds()
		}
	}
	return out
}

// evictCaches reads one byte of every cache line of the eviction buffer.
func (t *timer) evictCaches() {
	if t.evict == nil {
		t.evict = make([]byte, evictBytes)
		for i := range t.evict {
			t.evict[i] = byte(i)
		}
	}
	var x byte
	for i := 0; i < len(t.evict); i += 64 {
		x += t.evict[i]
	}
	t.sink += x
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func medianF(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
