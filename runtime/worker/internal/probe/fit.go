package probe

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"
)

// Sample is one timed message.
type Sample struct {
	Bytes int64
	Time  time.Duration
}

// Fit is a link's time per message, t = bytes/BytesPerSec + PerMessage,
// fitted by least squares to the fastest time of each size, and RTT, the
// fastest empty message.
type Fit struct {
	BytesPerSec float64
	// PerMessage is the intercept, but at least RTT: a message's time
	// includes its reply's round trip, and on a shaped link (a token
	// bucket lets a small message through faster than the rate) the
	// intercept comes out below it, even negative.
	PerMessage time.Duration
	RTT        time.Duration // 0 when no empty message was sent
	R2         float64       // of the fit over the per-size minima
	Sizes      int           // distinct non-empty sizes fitted
}

// FitSamples fits the samples: the fastest time of each size, then a
// line through those of the non-empty sizes, which needs at least two, by
// least squares of relative errors (weights 1/t²): the jitter of a time
// grows with it, and unweighted the largest messages' jitter alone would
// decide the intercept. A line that does not rise with size (a link too
// fast for the sizes, or too noisy) is an error.
//
// The fastest, not the median: what delays a message on a link is
// another transfer on a shared medium, or on a device under a CPU quota
// the quota stalling the message after a large one (0.2-core containers:
// per-message costs of 4.5-6 ms from medians in some probes, 0.5-0.9 ms
// in others, where pausing 15 ms before each message gave 0.9 ms every
// time and VGG-16 on 8 devices was predicted within 4% instead of 19%
// too slow). A pause is no cure: a token bucket refills during it and
// the next message runs past the shaped rate. Delays only add, so the
// minimum of a few repeats is the link's own cost.
func FitSamples(samples []Sample) (Fit, error) {
	by := map[int64][]float64{}
	for _, s := range samples {
		by[s.Bytes] = append(by[s.Bytes], s.Time.Seconds())
	}
	var f Fit
	if t, ok := by[0]; ok {
		f.RTT = time.Duration(slices.Min(t) * 1e9)
	}
	var xs, ys []float64
	for _, n := range slices.Sorted(maps.Keys(by)) {
		if n > 0 {
			xs, ys = append(xs, float64(n)), append(ys, slices.Min(by[n]))
		}
	}
	f.Sizes = len(xs)
	if len(xs) < 2 {
		return f, fmt.Errorf("probe: %d message size(s) besides empty ones: want at least 2 to fit", len(xs))
	}
	slope, icept, r2 := line(xs, ys)
	if !(slope > 0) {
		return f, errors.New("probe: time does not grow with message size: send larger messages")
	}
	f.BytesPerSec, f.R2 = 1/slope, r2
	f.PerMessage = max(time.Duration(icept*1e9), f.RTT, 0)
	return f, nil
}

// line fits y = slope·x + icept by least squares weighted by 1/y² and
// returns its (weighted) R².
func line(xs, ys []float64) (slope, icept, r2 float64) {
	w := make([]float64, len(xs))
	var sw, mx, my float64
	for i, y := range ys {
		w[i] = 1 / max(y*y, 1e-30)
		sw += w[i]
	}
	for i := range xs {
		mx += w[i] * xs[i] / sw
		my += w[i] * ys[i] / sw
	}
	var sxx, sxy, syy float64
	for i := range xs {
		dx, dy := xs[i]-mx, ys[i]-my
		sxx, sxy, syy = sxx+w[i]*dx*dx, sxy+w[i]*dx*dy, syy+w[i]*dy*dy
	}
	if sxx == 0 {
		return math.NaN(), math.NaN(), 0
	}
	slope = sxy / sxx
	icept = my - slope*mx
	r2 = 1.0
	if syy > 0 {
		r2 = min(sxy*sxy/(sxx*syy), 1)
	}
	return slope, icept, r2
}
