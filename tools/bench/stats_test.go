package bench

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name string
		in   []time.Duration
		want Stats
	}{
		{"empty", nil, Stats{}},
		{"one", []time.Duration{5 * ms}, Stats{N: 1, Min: 5 * ms, Median: 5 * ms, Mean: 5 * ms, Max: 5 * ms}},
		{"odd unsorted", []time.Duration{9 * ms, 1 * ms, 5 * ms}, Stats{N: 3, Min: 1 * ms, Median: 5 * ms, Mean: 5 * ms, Max: 9 * ms}},
		{"even takes mean of middle two", []time.Duration{4 * ms, 1 * ms, 2 * ms, 100 * ms}, Stats{N: 4, Min: 1 * ms, Median: 3 * ms, Mean: 26750 * time.Microsecond, Max: 100 * ms}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Summarize(tc.in); got != tc.want {
				t.Fatalf("Summarize(%v) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
	in := []time.Duration{3, 1, 2}
	Summarize(in)
	if in[0] != 3 || in[1] != 1 {
		t.Fatalf("Summarize sorted its argument: %v", in)
	}
}

func TestRatioAndGFLOPS(t *testing.T) {
	ours, theirs := Stats{N: 1, Median: 200 * time.Millisecond}, Stats{N: 1, Median: 300 * time.Millisecond}
	if r := Ratio(ours, theirs); r != 1.5 {
		t.Errorf("Ratio = %v, want 1.5 (their time over ours)", r)
	}
	if r := Ratio(ours, Stats{}); r != 0 {
		t.Errorf("Ratio without theirs = %v, want 0", r)
	}
	if g := GFLOPS(3e9, 1500*time.Millisecond); g != 2 {
		t.Errorf("GFLOPS = %v, want 2", g)
	}
	if g := GFLOPS(1, 0); g != 0 {
		t.Errorf("GFLOPS of no time = %v, want 0", g)
	}
}
