package bench

import (
	"fmt"
	goruntime "runtime"
	"sync"
	"time"
)

// PeakKernel is a register-only loop of independent multiply-adds that
// measures how many flops a core can do.
type PeakKernel struct {
	Name string
	// Run does n iterations on the calling goroutine and returns the flops
	// of one iteration; ok is false when the kernel cannot run on this CPU.
	// It has the signature of the assembly kernels' FMAPeak.
	Run func(n int) (flopsPerIter int, ok bool)
	// Underestimates is true for a kernel that does not use the CPU's
	// widest fused multiply-add units, so that the fraction of its peak
	// overstates how close a kernel is to the hardware's.
	Underestimates bool
}

var (
	peakMu     sync.Mutex
	peakKernel = GoPeakKernel
)

// GoPeakKernel is the portable fallback: 12 independent scalar float32
// multiply-add chains in plain Go. Go neither vectorises it nor (on amd64
// below GOAMD64=v3) fuses the multiply and the add, so on a CPU with 8-wide
// FMA units it measures about an eighth of the peak or less.
var GoPeakKernel = PeakKernel{Name: "portable Go scalar loop", Run: goPeak, Underestimates: true}

// SetPeakKernel replaces the kernel MeasurePeak uses (an assembly FMA loop).
// A kernel whose Run reports !ok makes MeasurePeak fall back to the Go loop.
func SetPeakKernel(k PeakKernel) {
	peakMu.Lock()
	defer peakMu.Unlock()
	peakKernel = k
}

// Peak is a measured peak arithmetic rate.
type Peak struct {
	GFLOPS         float64
	Threads        int
	Kernel         string
	Underestimates bool
}

func (p Peak) String() string {
	s := fmt.Sprintf("%.1f GFLOP/s on %d thread(s) (%s)", p.GFLOPS, p.Threads, p.Kernel)
	if p.Underestimates {
		s += "; it underestimates this CPU's SIMD FMA peak, so fractions of it read high"
	}
	return s
}

var peakSink float32

// goPeak runs n iterations of 12 independent multiply-add chains (24
// flops). Each chain converges to c/(1-m), so values stay normal.
func goPeak(n int) (int, bool) {
	const m, c = 0.9999999, 1e-7
	a0, a1, a2, a3, a4, a5 := float32(0.1), float32(0.2), float32(0.3), float32(0.4), float32(0.5), float32(0.6)
	a6, a7, a8, a9, a10, a11 := float32(0.7), float32(0.8), float32(0.9), float32(1.0), float32(1.1), float32(1.2)
	mm, cc := float32(m), float32(c)
	for i := 0; i < n; i++ {
		a0 = a0*mm + cc
		a1 = a1*mm + cc
		a2 = a2*mm + cc
		a3 = a3*mm + cc
		a4 = a4*mm + cc
		a5 = a5*mm + cc
		a6 = a6*mm + cc
		a7 = a7*mm + cc
		a8 = a8*mm + cc
		a9 = a9*mm + cc
		a10 = a10*mm + cc
		a11 = a11*mm + cc
	}
	peakSink = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11
	return 24, true
}

// MeasurePeak runs the peak kernel on threads goroutines at once, each
// locked to its own OS thread, for about d in total, and returns the best
// aggregate rate seen.
func MeasurePeak(threads int, d time.Duration) Peak {
	peakMu.Lock()
	k := peakKernel
	peakMu.Unlock()
	if _, ok := k.Run(1); !ok {
		k = GoPeakKernel
	}
	threads = max(threads, 1)
	// A collection still running after the model was loaded (VGG-16's is
	// 0.5 GB) takes a P for its mark worker, and then the goroutines below
	// cannot all run at once: two runs of make bench-compare printed a
	// 2-thread peak of 98 GFLOP/s, the 1-thread one.
	goruntime.GC()
	// Calibrate n so that one call takes about 5 ms.
	n := 1 << 12
	for {
		start := time.Now()
		k.Run(n)
		if el := time.Since(start); el > 2*time.Millisecond || n > 1<<30 {
			n = int(float64(n) * float64(5*time.Millisecond) / float64(max(el, time.Microsecond)))
			break
		}
		n *= 4
	}
	n = max(n, 1)
	best := 0.0
	for deadline := time.Now().Add(d); ; {
		var wg sync.WaitGroup
		flops := make([]int, threads)
		start := time.Now()
		for t := 0; t < threads; t++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				goruntime.LockOSThread()
				defer goruntime.UnlockOSThread()
				f, _ := k.Run(n)
				flops[t] = f * n
			}()
		}
		wg.Wait()
		el := time.Since(start)
		total := 0
		for _, f := range flops {
			total += f
		}
		best = max(best, float64(total)/el.Seconds()/1e9)
		if time.Now().After(deadline) {
			break
		}
	}
	return Peak{GFLOPS: best, Threads: threads, Kernel: k.Name, Underestimates: k.Underestimates}
}
