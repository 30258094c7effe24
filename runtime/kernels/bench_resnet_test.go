package kernels_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels"
	"github.com/edgectl/edgectl/runtime/kernels/kerneltest"
)

// resNet50Convs are ResNet-50's distinct convolution shapes (bias, Relu):
// the stem, the 3x3 of each stage and a 1x1 pair and downsample.
var resNet50Convs = []struct {
	name             string
	c, m, size, k, s int
}{
	{"conv1", 3, 64, 224, 7, 2},
	{"l1_3x3", 64, 64, 56, 3, 1}, {"l2_3x3", 128, 128, 28, 3, 1},
	{"l3_3x3", 256, 256, 14, 3, 1}, {"l4_3x3", 512, 512, 7, 3, 1},
	{"l1_1x1in", 256, 64, 56, 1, 1}, {"l1_1x1out", 64, 256, 56, 1, 1},
	{"l4_down", 1024, 2048, 14, 1, 2}, {"l2_3x3s2", 128, 128, 56, 3, 2},
}

// BenchmarkResNet50Conv times those shapes through the active tier at 1
// and 2 threads (GFLOP/cpu-s at one thread is the steadiest figure on a
// shared machine):
//
//	go test -run '^$' -bench 'ResNet50Conv' ./runtime/kernels/
func BenchmarkResNet50Conv(b *testing.B) {
	prep := kernels.PrepareAsm(graphir.OpConv)
	if !kernels.HaveAsm() {
		prep = kernels.PrepareGo(graphir.OpConv)
	}
	for _, l := range resNet50Convs {
		pad := l.k / 2
		s := kerneltest.ConvSpec{N: 1, C: l.c, H: l.size, W: l.size, M: l.m, KH: l.k, KW: l.k, SH: l.s, SW: l.s,
			DH: 1, DW: 1, Pads: [4]int{pad, pad, pad, pad}, Group: 1, Bias: true, Act: "Relu"}
		n, in, out := specNode(b, s)
		o := (l.size+2*pad-l.k)/l.s + 1
		flops := 2 * float64(l.m*o*o*l.c*l.k*l.k)
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/t%d", l.name, threads), func(b *testing.B) {
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
				report(b, flops, cpu0)
			})
		}
	}
}
