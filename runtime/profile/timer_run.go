package profile

import (
	"context"
	"fmt"
	goruntime "runtime"
	"slices"
	"time"

	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime"
)

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
	var ds, rs []time.Duration
	var sum time.Duration
	for i := -1; i < minRuns || (sum < runTarget && i < maxRuns); i++ {
		r, err := t.warm(ctx, ref.p, now)
		if err != nil {
			return costmodel.Sample{}, fmt.Errorf("%s: %w", bn, err)
		}
		d, err := t.warm(ctx, p, now)
		if err != nil {
			return costmodel.Sample{}, fmt.Errorf("%s: %w", bn, err)
		}
		if i < 0 {
			continue
		}
		// A node never takes less than a tenth of the base Run.
		floor := max(t.base/10, time.Nanosecond)
		ratios = append(ratios, float64(max(d, floor))/float64(max(r, floor)))
		ds, rs = append(ds, max(d, floor)), append(rs, max(r, floor))
		sum += d + r
	}
	if t.wall() {
		// Wall time only grows when another process takes a core (a
		// helper thread descheduled holds up the whole run), so the
		// fastest runs are the device's: the ratio of the minima.
		ref.times = append(ref.times, slices.Min(rs))
		return costmodel.Sample{Kind: p.kind, Shape: bn.String(), Work: p.work, Seconds: float64(slices.Min(ds)) / float64(slices.Min(rs))}, nil
	}
	ref.times = append(ref.times, rs...)
	return costmodel.Sample{Kind: p.kind, Shape: bn.String(), Work: p.work, Seconds: medianF(ratios)}, nil
}

// warm runs p twice and returns the second run: it finds its data in the
// caches, as a node finds the input its producer just wrote. Weights past
// coldWeights are evicted before a run, which cools everything: such a
// bench runs once.
func (t *timer) warm(ctx context.Context, p *prepared, now func() time.Duration) (time.Duration, error) {
	if p.work.WeightBytes < coldWeights {
		if _, err := t.run(ctx, p, now); err != nil {
			return 0, err
		}
	}
	return t.run(ctx, p, now)
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
