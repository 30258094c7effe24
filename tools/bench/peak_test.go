package bench

import (
	"strings"
	"testing"
	"time"
)

func TestMeasurePeak(t *testing.T) {
	p := MeasurePeak(2, 20*time.Millisecond)
	if p.GFLOPS <= 0 || p.Threads != 2 || p.Kernel == "" {
		t.Fatalf("%+v", p)
	}
	if GoPeakKernel.Underestimates && p.Kernel == GoPeakKernel.Name && !strings.Contains(p.String(), "underestimates") {
		t.Fatalf("the Go loop's peak does not say it underestimates: %s", p)
	}
}

func TestSetPeakKernel(t *testing.T) {
	defer SetPeakKernel(peakKernel)
	calls := 0
	SetPeakKernel(PeakKernel{Name: "fake", Run: func(n int) (int, bool) { calls += n; return 1, true }})
	if p := MeasurePeak(1, time.Millisecond); p.Kernel != "fake" || calls == 0 || p.Underestimates {
		t.Fatalf("%+v after %d iterations", p, calls)
	}
	// A kernel that cannot run here falls back to the Go loop.
	SetPeakKernel(PeakKernel{Name: "none", Run: func(int) (int, bool) { return 0, false }})
	if p := MeasurePeak(1, time.Millisecond); p.Kernel != GoPeakKernel.Name {
		t.Fatalf("fallback: %+v", p)
	}
}
