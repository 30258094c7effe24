package kernels_test

import (
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels"
	"github.com/edgectl/edgectl/runtime/kernels/kerneltest"
)

// mobileNetV2PW are MobileNetV2's pointwise (1x1) convolutions and its
// first 3x3/2 convolution (224x224 input), by stage: input channels,
// output channels, input size, kernel size and stride, and whether a
// Clip(0, 6) is fused (expansions) or not (projections).
var mobileNetV2PW = []struct {
	name             string
	c, m, size, k, s int
	clip             bool
}{
	{"f0_3to32x224k3s2", 3, 32, 224, 3, 2, true},
	{"f1_32to16x112", 32, 16, 112, 1, 1, false}, {"f2_16to96x112", 16, 96, 112, 1, 1, true},
	{"f2_96to24x56", 96, 24, 56, 1, 1, false}, {"f3_24to144x56", 24, 144, 56, 1, 1, true},
	{"f3_144to24x56", 144, 24, 56, 1, 1, false}, {"f5_32to192x28", 32, 192, 28, 1, 1, true},
	{"f5_192to32x28", 192, 32, 28, 1, 1, false}, {"f8_64to384x14", 64, 384, 14, 1, 1, true},
	{"f8_384to64x14", 384, 64, 14, 1, 1, false}, {"f15_160to960x7", 160, 960, 7, 1, 1, true},
	{"f15_960to160x7", 960, 160, 7, 1, 1, false},
}

// BenchmarkMobileNetV2Pointwise times MobileNetV2's 1x1 convolutions (and
// its first conv) on one and two threads through the fast kernel:
//
//	go test -run '^$' -bench 'MobileNetV2Pointwise' ./runtime/kernels/
func BenchmarkMobileNetV2Pointwise(b *testing.B) {
	prep := kernels.PrepareAsm(graphir.OpConv)
	if !kernels.HaveAsm() {
		prep = kernels.PrepareGo(graphir.OpConv)
	}
	for _, l := range mobileNetV2PW {
		pad := l.k / 2
		s := kerneltest.ConvSpec{N: 1, C: l.c, H: l.size, W: l.size, M: l.m, KH: l.k, KW: l.k, SH: l.s, SW: l.s,
			DH: 1, DW: 1, Pads: [4]int{pad, pad, pad, pad}, Group: 1, Bias: true}
		if l.clip {
			s.Act, s.Lo, s.Hi = "Clip", 0, 6
		}
		n, in, out := specNode(b, s)
		o := l.size / l.s
		flops := 2 * float64(l.m*o*o*l.c*l.k*l.k)
		for _, threads := range []int{1, 2} {
			b.Run(l.name+"/t"+string(rune('0'+threads)), func(b *testing.B) {
				k, err := prep(n, kernelapi.Env{Threads: threads})
				if err != nil || k == nil {
					b.Fatalf("prepare: %v", err)
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
