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

// Fit is a link's time per message, t = bytes/BytesPerSec + PerMessage:
// the rate from a line through each size's median time, the per-message
// cost from each size's fastest time less its bytes at that rate; RTT is
// the fastest empty message.
type Fit struct {
	BytesPerSec float64
	// PerMessage is at least RTT: a message's time includes its reply's
	// round trip, and on a shaped link (a token bucket lets a small
	// message through faster than the rate) the rest can come out below
	// it, even negative.
	PerMessage time.Duration
	RTT        time.Duration // 0 when no empty message was sent
	R2         float64       // of the line through the per-size medians
	Sizes      int           // distinct non-empty sizes fitted
}

// FitSamples fits the samples. The rate is the slope of a line through
// the median time of each non-empty size (at least two), by least squares
// of relative errors (weights 1/t²): the jitter of a time grows with it,
// and unweighted the largest messages' jitter alone would decide the
// line. A line that does not rise with size (a link too fast for the
// sizes, or too noisy) is an error. The per-message cost is the mean,
// over the two smallest sizes, of each one's fastest time less its bytes
// at that rate (of a large message's time it is a sliver, below the
// jitter).
//
// Medians for the rate: a token bucket lets a message through faster than
// its rate now and then (its burst refilled while the link was idle), and
// the fastest of a size would read a shaped link as faster than it is
// (40 Mbit/s measured on a 20 Mbit/s tbf link). The fastest for the
// per-message cost: what delays a message is another transfer on a
// shared medium, or on a device under a CPU quota the quota stalling the
// message after a large one, and those delays only add: medians gave
// per-message costs of 4.5-6 ms on 0.2-core containers in some probes and
// 0.5-0.9 ms in others, and VGG-16 on 8 such devices was predicted 19% too
// slow; the fastest gives 0.6 ms and 3%.
func FitSamples(samples []Sample) (Fit, error) {
	by := map[int64][]float64{}
	for _, s := range samples {
		by[s.Bytes] = append(by[s.Bytes], s.Time.Seconds())
	}
	var f Fit
	if t, ok := by[0]; ok {
		f.RTT = time.Duration(slices.Min(t) * 1e9)
	}
	var xs, ys, fastest []float64
	for _, n := range slices.Sorted(maps.Keys(by)) {
		if n > 0 {
			xs, ys = append(xs, float64(n)), append(ys, median(by[n]))
			fastest = append(fastest, slices.Min(by[n]))
		}
	}
	f.Sizes = len(xs)
	if len(xs) < 2 {
		return f, fmt.Errorf("probe: %d message size(s) besides empty ones: want at least 2 to fit", len(xs))
	}
	slope, _, r2 := line(xs, ys)
	if !(slope > 0) {
		return f, errors.New("probe: time does not grow with message size: send larger messages")
	}
	f.BytesPerSec, f.R2 = 1/slope, r2
	var rest []float64
	for i := range min(2, len(xs)) { // the smallest: their times are mostly the cost
		rest = append(rest, fastest[i]-xs[i]*slope)
	}
	f.PerMessage = max(time.Duration(median(rest)*1e9), f.RTT, 0)
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

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}
