package probe

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// synthetic times of a 20 mbit/s link with 1.5 ms per message and 0.8 ms
// round trips, with jitter and an outlier per size (another transfer on a
// shared medium).
func synthetic(r *rand.Rand) []Sample {
	const bytesPerSec, perMsg, rtt = 2.5e6, 1.5e-3, 0.8e-3
	var out []Sample
	for rep := range 7 {
		for _, n := range []int64{0, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20} {
			t := perMsg + float64(n)/bytesPerSec
			if n == 0 {
				t = rtt
			}
			t *= 1 + 0.02*(r.Float64()-0.5)
			if rep == 3 {
				t *= 3 // the outlier
			}
			out = append(out, Sample{n, time.Duration(t * 1e9)})
		}
	}
	return out
}

func TestFitSamples(t *testing.T) {
	f, err := FitSamples(synthetic(rand.New(rand.NewPCG(1, 2))))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(f.BytesPerSec/2.5e6-1) > 0.02 {
		t.Errorf("bytes/s %.4g, want 2.5e6 within 2%%", f.BytesPerSec)
	}
	if d := f.PerMessage - 1500*time.Microsecond; d.Abs() > 200*time.Microsecond {
		t.Errorf("per message %v, want 1.5ms", f.PerMessage)
	}
	if d := f.RTT - 800*time.Microsecond; d.Abs() > 20*time.Microsecond {
		t.Errorf("rtt %v, want 0.8ms", f.RTT)
	}
	if f.R2 < 0.999 || f.Sizes != 5 {
		t.Errorf("r2 %v, sizes %d", f.R2, f.Sizes)
	}
}

// An exact line comes back exactly, and a negative intercept is clamped.
func TestFitSamples_Exact(t *testing.T) {
	var s []Sample
	for _, n := range []int64{1000, 2000, 4000} {
		s = append(s, Sample{n, time.Duration(n) * time.Microsecond}) // 1 µs per byte, no intercept
	}
	f, err := FitSamples(s)
	if err != nil || math.Abs(f.BytesPerSec-1e6) > 1e-3 || f.PerMessage != 0 || f.RTT != 0 || f.R2 < 1-1e-9 {
		t.Errorf("%+v, %v", f, err)
	}
	s = append(s, Sample{8000, 8400 * time.Microsecond})
	if f, err := FitSamples(s); err != nil || f.PerMessage != 0 {
		t.Errorf("negative intercept: %+v, %v", f, err)
	}
	s = append(s, Sample{0, 300 * time.Microsecond})
	if f, err := FitSamples(s); err != nil || f.PerMessage != 300*time.Microsecond {
		t.Errorf("intercept below the round trip: %+v, %v", f, err)
	}
}

func TestFitSamples_Errors(t *testing.T) {
	for _, tc := range []struct {
		s    []Sample
		want string
	}{
		{[]Sample{{0, time.Millisecond}, {100, time.Millisecond}}, "1 message size(s)"},
		{[]Sample{{100, 2 * time.Millisecond}, {200, time.Millisecond}}, "does not grow"},
		{[]Sample{{100, time.Millisecond}, {200, time.Millisecond}}, "does not grow"},
	} {
		if _, err := FitSamples(tc.s); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.s, err, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		sizes   []int64
		repeats int
		want    string
	}{
		{[]int64{0, 1 << 20}, 5, ""},
		{nil, 5, "want 1 to 64 sizes"},
		{[]int64{1}, 0, "repeats 0"},
		{[]int64{-1}, 1, "size -1"},
		{[]int64{MaxMessage + 1}, 1, "size"},
		{[]int64{MaxMessage}, 16, "bytes in all"},
	} {
		err := Check(tc.sizes, tc.repeats)
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%v, %d) = %v, want %q", tc.sizes, tc.repeats, err, tc.want)
		}
	}
}

// TestFitSamples_QuotaStalls: on a device under a CPU quota most messages
// can be stalled by milliseconds (the quota running out after a large
// one); the fit still finds the link's own per-message cost and rate as
// long as each size got through unstalled once.
func TestFitSamples_QuotaStalls(t *testing.T) {
	const bytesPerSec, perMsg, rtt = 12.5e6, 0.9e-3, 0.7e-3
	r := rand.New(rand.NewPCG(3, 4))
	var s []Sample
	for rep := range 5 {
		for _, n := range []int64{0, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20} {
			tm := perMsg + float64(n)/bytesPerSec
			if n == 0 {
				tm = rtt
			}
			if rep != 2 { // four repeats in five stalled
				tm += 4e-3 + 2e-3*r.Float64()
			}
			s = append(s, Sample{n, time.Duration(tm * 1e9)})
		}
	}
	f, err := FitSamples(s)
	if err != nil {
		t.Fatal(err)
	}
	if d := f.PerMessage - 900*time.Microsecond; d.Abs() > 100*time.Microsecond {
		t.Errorf("per message %v, want 0.9ms (the stalls are not the link's)", f.PerMessage)
	}
	if math.Abs(f.BytesPerSec/bytesPerSec-1) > 0.02 {
		t.Errorf("bytes/s %.4g, want %.4g within 2%%", f.BytesPerSec, bytesPerSec)
	}
	if d := f.RTT - 700*time.Microsecond; d.Abs() > 20*time.Microsecond {
		t.Errorf("rtt %v, want 0.7ms", f.RTT)
	}
}

// TestFitSamples_TokenBucketBursts: on a link shaped by a token bucket a
// message now and then goes through at twice the rate (the bucket's burst
// refilled while the link was idle); the rate must still be the shaped
// one (CI read 40 Mbit/s on a 20 Mbit/s tbf link from the fastest
// repeats).
func TestFitSamples_TokenBucketBursts(t *testing.T) {
	const bytesPerSec, perMsg = 2.5e6, 0.5e-3
	var s []Sample
	for rep := range 5 {
		for i, n := range []int64{0, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20} {
			tm := perMsg + float64(n)/bytesPerSec
			if (rep+i)%5 == 0 {
				tm = perMsg + float64(n)/(2*bytesPerSec) // a burst
			}
			s = append(s, Sample{n, time.Duration(tm * 1e9)})
		}
	}
	f, err := FitSamples(s)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(f.BytesPerSec/bytesPerSec-1) > 0.02 {
		t.Errorf("bytes/s %.4g, want %.4g within 2%% (bursts are not the rate)", f.BytesPerSec, bytesPerSec)
	}
}
