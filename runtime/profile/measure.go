package profile

import (
	"context"
	"fmt"
	goruntime "runtime"
	"slices"
	"time"

	"github.com/edgectl/edgectl/planner/costmodel"
)

// Options configure Measure.
type Options struct {
	// Threads of the executor (the device class's threads); 0: all cores.
	Threads int
	// Budget bounds the time the micro-benchmarks may take. 0 measures
	// the whole grid, three times (Visits): about two minutes on one core
	// of a desktop CPU, ten on a container with a fifth of one. With a budget, a few sizes of every
	// kind are measured first, and of the others those whose predicted
	// time fits, kinds taking turns.
	Budget time.Duration
	// Seed chooses the sizes held out of the fits.
	Seed uint64
	// Visits is how many times every micro-benchmark is measured, in
	// passes over the grid, for the median (0: 3).
	Visits int
	// Progress, when set, is told after each micro-benchmark how many of
	// how many are done and what was measured.
	Progress func(done, total int, what string)
}

// Holdout is the share of sizes each cross-validation fit holds out.
const Holdout = 0.25

// Measure micro-benchmarks the op kinds the models use on this machine (or
// this container, or this board) over a grid of sizes, with the executor
// and kernels that tiles run with, and fits a costmodel.Profile.
func Measure(ctx context.Context, opts Options) (*costmodel.Profile, error) {
	start := time.Now()
	threads := opts.Threads
	if threads <= 0 {
		threads = goruntime.GOMAXPROCS(0)
	}
	t := &timer{threads: threads, arch: goruntime.GOARCH, tier: tierName(), seed: opts.Seed + 1, refs: map[string]*reference{}, refOf: map[string]string{}}
	benches, err := grid(t.arch, t.tier)
	if err != nil {
		return nil, err
	}
	if err := t.baseline(ctx); err != nil {
		return nil, fmt.Errorf("profile baseline: %w", err)
	}
	n := opts.Visits
	if n <= 0 {
		n = visits
	}
	probes, rest := split(benches)
	total, done := n*(len(probes)+len(rest)), 0
	var samples []costmodel.Sample
	ratios := map[string][]float64{} // a bench's ratio at each visit
	run := func(bs []bench, first bool) error {
		for _, b := range bs {
			if err := ctx.Err(); err != nil {
				return err
			}
			s, err := t.measure(ctx, b)
			if err != nil {
				return fmt.Errorf("profile %w", err)
			}
			if first {
				samples = append(samples, s)
			}
			ratios[s.Shape] = append(ratios[s.Shape], s.Seconds)
			done++
			if opts.Progress != nil {
				opts.Progress(done, total, b.String())
			}
		}
		return nil
	}
	if err := run(probes, true); err != nil {
		return nil, err
	}
	if opts.Budget > 0 {
		// The probes' other visits will take as long as their first.
		left := opts.Budget - time.Since(start)*time.Duration(n)
		rest = choose(rest, t.scaled(samples), threads, n, left)
		total = n * (len(probes) + len(rest))
		if opts.Progress != nil {
			opts.Progress(done, total, "budget: "+fmt.Sprint(len(rest))+" more sizes")
		}
	}
	if err := run(rest, true); err != nil {
		return nil, err
	}
	all := append(probes, rest...)
	for v := 1; v < n; v++ {
		if err := run(all, false); err != nil {
			return nil, err
		}
	}
	for i := range samples {
		samples[i].Seconds = visitMedian(ratios[samples[i].Shape])
	}
	samples = t.scaled(samples)
	fits, err := costmodel.FitSamples(samples, Holdout, opts.Seed)
	if err != nil {
		return nil, err
	}
	return &costmodel.Profile{APIVersion: costmodel.APIVersion, Kind: costmodel.ProfileKind,
		Host: Host(), Arch: t.arch, Tier: t.tier, Threads: threads, Measured: time.Now().UTC().Truncate(time.Second),
		Fits: fits, Samples: samples}, nil
}

// visitMedian is the median of a bench's ratios at its visits (of two,
// their mean).
func visitMedian(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// split returns the probes, then the other benches with the kinds taking
// turns (each kind's in its own order).
func split(bs []bench) (probes, rest []bench) {
	var order []costmodel.Kind
	byKind := map[costmodel.Kind][]bench{}
	for _, b := range bs {
		if b.probe {
			probes = append(probes, b)
			continue
		}
		if byKind[b.kind] == nil {
			order = append(order, b.kind)
		}
		byKind[b.kind] = append(byKind[b.kind], b)
	}
	for i := 0; len(rest) < len(bs)-len(probes); i++ {
		for _, k := range order {
			if i < len(byKind[k]) {
				rest = append(rest, byKind[k][i])
			}
		}
	}
	return probes, rest
}

// choose keeps, in order, the benches whose predicted cost over n visits
// (by a fit of the samples so far) fits in budget.
func choose(bs []bench, samples []costmodel.Sample, threads, n int, budget time.Duration) []bench {
	fits, err := costmodel.FitSamples(samples, Holdout, 1)
	if err != nil {
		return nil
	}
	p := &costmodel.Profile{Arch: goruntime.GOARCH, Tier: tierName(), Threads: threads, Fits: fits}
	left := budget.Seconds()
	var out []bench
	for _, b := range bs {
		sec := p.KindSeconds(b.kind, b.work)
		if sec != sec { // NaN: no fit yet
			sec = 0.01
		}
		// Pairs of two runs of the bench and two of its reference (taken
		// to be as long), a warm-up pair, filling and packing the weights.
		runs := min(max(float64(minRuns), runTarget.Seconds()/max(2*sec, 1e-7)), maxRuns)
		cost := float64(n) * (4*sec*(runs+1) + 2e-9*b.work.WeightBytes + 1e-3)
		if cost <= left {
			out = append(out, b)
			left -= cost
		}
	}
	return out
}
