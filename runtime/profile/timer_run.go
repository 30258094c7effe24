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
	key := bn.String()
	if bn.ref != nil {
		key = bn.ref.String()
	}
	ref := t.refs[key]
	if ref == nil {
		ref = &reference{p: p}
		if bn.ref != nil {
			if ref.p, err = t.prepare(bn.ref); err != nil {
				return costmodel.Sample{}, err
			}
		}
		t.refs[key] = ref
	}
	t.refOf[bn.String()] = key
	goruntime.GC()
	now := t.clock()
	// A pair whose reference run took more than disturbed times the
	// reference's median so far was disturbed (another tenant took the
	// core's caches or its SMT sibling's ports): the bench's run was
	// slowed too, but not in proportion. Such pairs are replaced, up to
	// maxTries pairs in all.
	refMed := time.Duration(0)
	if len(ref.times) >= 2*minRuns {
		refMed = median(ref.times)
	}
	var ds, rs []time.Duration
	var sum time.Duration
	clean := 0
	for i := -1; i < minRuns || (sum < runTarget && i < maxRuns) || (clean < minRuns && i < maxTries); i++ {
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
		if undisturbed(r, refMed) {
			clean++
		} else {
			t.disturbedPairs++
		}
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
	return costmodel.Sample{Kind: p.kind, Shape: bn.String(), Work: p.work, Seconds: pairRatio(ds, rs, refMed)}, nil
}

// undisturbed reports whether a reference run of r is no more than
// disturbed times the reference's median refMed (0: not known yet).
func undisturbed(r, refMed time.Duration) bool {
	return refMed == 0 || float64(r) <= disturbed*float64(refMed)
}

// pairRatio is the median ratio of the pairs of bench runs ds and
// reference runs rs whose reference run was undisturbed, or of all of
// them when fewer than minRuns were.
func pairRatio(ds, rs []time.Duration, refMed time.Duration) float64 {
	var all, clean []float64
	for i := range ds {
		r := float64(ds[i]) / float64(rs[i])
		all = append(all, r)
		if undisturbed(rs[i], refMed) {
			clean = append(clean, r)
		}
	}
	if len(clean) >= minRuns {
		return medianF(clean)
	}
	return medianF(all)
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
// times its reference's median so far.
func (t *timer) scaled(samples []costmodel.Sample) []costmodel.Sample {
	out := slices.Clone(samples)
	for i := range out {
		if r := t.refs[t.refOf[out[i].Shape]]; r != nil && len(r.times) > 0 {
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
