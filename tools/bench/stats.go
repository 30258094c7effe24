package bench

import (
	"slices"
	"time"
)

// Stats summarises the timed runs of one side.
type Stats struct {
	N      int
	Min    time.Duration
	Median time.Duration
	Mean   time.Duration
	Max    time.Duration
}

// Summarize computes the statistics of samples (in any order). The median
// of an even count is the mean of the two middle samples. No samples give
// the zero Stats.
func Summarize(samples []time.Duration) Stats {
	if len(samples) == 0 {
		return Stats{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return Stats{N: n, Min: s[0], Median: med, Mean: sum / time.Duration(n), Max: s[n-1]}
}

// Ratio is the speed of ours relative to theirs: their median time over
// ours (higher is better for ours), or 0 when either is missing.
func Ratio(ours, theirs Stats) float64 {
	if ours.Median <= 0 || theirs.Median <= 0 {
		return 0
	}
	return float64(theirs.Median) / float64(ours.Median)
}

// GFLOPS is flops done in d, in GFLOP/s (0 for no time).
func GFLOPS(flops int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(flops) / d.Seconds() / 1e9
}
