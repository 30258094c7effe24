package kernels_test

import (
	"fmt"
	goruntime "runtime"
	"sync"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
	"github.com/edgectl/edgectl/runtime/kernels/kerneltest"
	"github.com/edgectl/edgectl/runtime/kernels/shapes"
)

// vgg16Spec is the conv case of a VGG-16 layer, with its bias and a fused
// Relu.
func vgg16Spec(l shapes.Conv) kerneltest.ConvSpec {
	return kerneltest.ConvSpec{N: 1, C: l.CIn, H: l.Size, W: l.Size, M: l.COut, KH: 3, KW: 3, SH: 1, SW: 1,
		DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 1, Bias: true, Act: "Relu"}
}

// convNode infers the node of a VGG layer and returns it with its inputs
// and an output tensor (specNode, named after the layer).
func convNode(b *testing.B, l shapes.Conv) (*graphir.Node, []*graphir.Tensor, []*graphir.Tensor) {
	n, in, out := specNode(b, vgg16Spec(l))
	n.Name = l.Name
	return n, in, out
}

// report gives the rate per wall-clock second and, where the OS tells
// (Linux), per CPU-second of the benchmark's thread (GFLOP/cpu-s; for one
// thread only: on a shared machine it does not count the time other
// processes take, though they still share the caches).
func report(b *testing.B, flops float64, cpu0 time.Duration) {
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if d := threadCPUTime() - cpu0; cpu0 >= 0 && d > 0 {
		b.ReportMetric(flops*float64(b.N)/d.Seconds()/1e9, "GFLOP/cpu-s")
	}
}

// cpuTime starts a CPU-time measurement of the calling goroutine's thread
// (locked to it until the benchmark ends), or returns -1 for none.
func cpuTime() time.Duration {
	goruntime.LockOSThread()
	return threadCPUTime()
}

// BenchmarkVGG16Conv times each VGG-16 convolution (with its bias and a
// fused Relu) through the fast kernel at 1 and 2 threads (asm tier, or
// the Go tier when there is no assembly); BenchmarkVGG16ConvRef the same
// layers through the reference kernel (slow: about a minute in all).
//
//	go test -run '^$' -bench 'FMAPeak|VGG16Conv$|VGG16ConvTotal' ./runtime/kernels/
func BenchmarkVGG16Conv(b *testing.B) {
	prep := kernels.PrepareAsm(graphir.OpConv)
	if !kernels.HaveAsm() {
		prep = kernels.PrepareGo(graphir.OpConv)
	}
	for _, l := range shapes.VGG16Convs() {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/t%d", l.Name, threads), func(b *testing.B) {
				n, in, out := convNode(b, l)
				k, err := prep(n, kernelapi.Env{Threads: threads})
				if err != nil || k == nil {
					b.Fatalf("prepare: %v %v", k, err)
				}
				b.ResetTimer()
				cpu0 := time.Duration(-1)
				if threads == 1 {
					cpu0 = cpuTime()
				}
				for i := 0; i < b.N; i++ {
					if err := k(n, in, out); err != nil {
						b.Fatal(err)
					}
				}
				report(b, l.FLOPs(), cpu0)
			})
		}
	}
}

// BenchmarkVGG16ConvRef runs the VGG-16 convolutions through the reference
// kernel (runtime/ref's Conv, then the Relu), the baseline of the speed-up.
func BenchmarkVGG16ConvRef(b *testing.B) {
	for _, l := range shapes.VGG16Convs() {
		b.Run(l.Name, func(b *testing.B) {
			n, in, out := convNode(b, l)
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				if err := kernels.ConvReference(n, in, out); err != nil {
					b.Fatal(err)
				}
			}
			report(b, l.FLOPs(), cpu0)
		})
	}
}

// BenchmarkVGG16ConvTotal runs all 13 convolutions in sequence, as one
// VGG-16 inference does (30.7 GFLOP), and reports the overall rate.
func BenchmarkVGG16ConvTotal(b *testing.B) {
	prep := kernels.PrepareAsm(graphir.OpConv)
	if !kernels.HaveAsm() {
		prep = kernels.PrepareGo(graphir.OpConv)
	}
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("t%d", threads), func(b *testing.B) {
			type layer struct {
				n       *graphir.Node
				k       kernelapi.Kernel
				in, out []*graphir.Tensor
			}
			var ls []layer
			total := 0.0
			for _, l := range shapes.VGG16Convs() {
				n, in, out := convNode(b, l)
				k, err := prep(n, kernelapi.Env{Threads: threads})
				if err != nil || k == nil {
					b.Fatalf("prepare: %v", err)
				}
				ls = append(ls, layer{n, k, in, out})
				total += l.FLOPs()
			}
			b.ResetTimer()
			cpu0 := time.Duration(-1)
			if threads == 1 {
				cpu0 = cpuTime()
			}
			for i := 0; i < b.N; i++ {
				for _, l := range ls {
					if err := l.k(l.n, l.in, l.out); err != nil {
						b.Fatal(err)
					}
				}
			}
			report(b, total, cpu0)
		})
	}
}

// BenchmarkFMAPeak measures the FMA peak with a register-only assembly
// loop (12 independent 8-wide FMAs per iteration), on 1 and 2 goroutines.
func BenchmarkFMAPeak(b *testing.B) {
	if _, ok := simd.FMAPeak(0); !ok {
		b.Skip("no assembly")
	}
	const iters = 1 << 20
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("t%d", threads), func(b *testing.B) {
			var per int
			cpu0 := time.Duration(-1)
			if threads == 1 {
				cpu0 = cpuTime()
			}
			for i := 0; i < b.N; i++ {
				var wg sync.WaitGroup
				for t := 1; t < threads; t++ {
					wg.Add(1)
					go func() { defer wg.Done(); simd.FMAPeak(iters) }()
				}
				per, _ = simd.FMAPeak(iters)
				wg.Wait()
			}
			report(b, float64(per)*iters*float64(threads), cpu0)
		})
	}
}
