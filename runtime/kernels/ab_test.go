package kernels_test

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels"
	"github.com/edgectl/edgectl/runtime/kernels/internal/gemm"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
	"github.com/edgectl/edgectl/runtime/kernels/kerneltest"
	"github.com/edgectl/edgectl/runtime/kernels/shapes"
)

// abRuns times setting a and setting b of one convolution alternately,
// runs times each, and reports the median and minimum time of each and
// the ratio b/a of the minima (a shared machine inflates single runs;
// alternating in one process and comparing minima cancels most of it).
func abRuns(b *testing.B, s kerneltest.ConvSpec, threads, runs int, set func(useB bool)) {
	prep := kernels.PrepareAsm(graphir.OpConv)
	abPrep(b, s, threads, runs, [2]func(*graphir.Node, kernelapi.Env) (kernelapi.Kernel, error){prep, prep}, set)
}

// abPrep is abRuns with the kernels of a and b from their own Prepare.
func abPrep(b *testing.B, s kerneltest.ConvSpec, threads, runs int, preps [2]func(*graphir.Node, kernelapi.Env) (kernelapi.Kernel, error), set func(useB bool)) {
	n, in, out := specNode(b, s)
	var ks [2]kernelapi.Kernel
	for i := range ks {
		set(i == 1)
		k, err := preps[i](n, kernelapi.Env{Threads: threads})
		if err != nil || k == nil {
			b.Fatalf("prepare: %v", err)
		}
		ks[i] = k
	}
	var ts [2][]time.Duration
	for r := 0; r < runs; r++ {
		for i, k := range ks {
			set(i == 1)
			t0 := time.Now()
			if err := k(n, in, out); err != nil {
				b.Fatal(err)
			}
			ts[i] = append(ts[i], time.Since(t0))
		}
	}
	set(false)
	for i := range ts {
		slices.Sort(ts[i])
	}
	b.Logf("%s t%d: a median %v min %v, b median %v min %v, b/a (min) %.3f", s, threads,
		ts[0][runs/2], ts[0][0], ts[1][runs/2], ts[1][0], float64(ts[1][0])/float64(ts[0][0]))
}

// BenchmarkABTiers compares the avx2 tier (a) against the avx512 tier (b)
// on the layers whose AVX-512 paths are not the GEMM: direct first layers
// and interleaved depthwise convolutions (MobileNetV2's):
//
//	go test -run '^$' -bench ABTiers -benchtime 1x -v ./runtime/kernels/
func BenchmarkABTiers(b *testing.B) {
	pa, pb := kernels.PrepareTier("avx2", graphir.OpConv), kernels.PrepareTier("avx512", graphir.OpConv)
	if pa == nil || pb == nil {
		b.Skip("this CPU lacks the avx2 or the avx512 tier")
	}
	first := func(c, m, size, s int) kerneltest.ConvSpec {
		return kerneltest.ConvSpec{N: 1, C: c, H: size, W: size, M: m, KH: 3, KW: 3, SH: s, SW: s,
			DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 1, Bias: true, Act: "Relu"}
	}
	dw := func(c, size, s int) kerneltest.ConvSpec {
		return kerneltest.ConvSpec{N: 1, C: c, H: size, W: size, M: c, KH: 3, KW: 3, SH: s, SW: s,
			DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: c, Bias: true, Act: "Clip", Lo: 0, Hi: 6}
	}
	for _, s := range []kerneltest.ConvSpec{
		first(3, 64, 224, 1), first(3, 32, 416, 1), first(3, 32, 224, 2),
		dw(32, 112, 1), dw(144, 56, 1), dw(192, 28, 1), dw(384, 14, 1), dw(960, 7, 1), dw(96, 112, 2), dw(144, 56, 2),
	} {
		for _, threads := range []int{1, 2} {
			abPrep(b, s, threads, 21, [2]func(*graphir.Node, kernelapi.Env) (kernelapi.Kernel, error){pa, pb}, func(bool) {})
		}
	}
}

// BenchmarkABInPlaceTall compares reading B panels in place up to
// gemm.InPlaceMaxRowsTall rows (a: the default) against up to
// EDGECTL_AB rows (b), on ResNet-50's shapes:
//
//	EDGECTL_AB=144 go test -run '^$' -bench ABInPlaceTall -benchtime 1x -v ./runtime/kernels/
func BenchmarkABInPlaceTall(b *testing.B) {
	var alt int
	if _, err := fmt.Sscan(getenv("EDGECTL_AB", "144"), &alt); err != nil {
		b.Fatal(err)
	}
	def := gemm.InPlaceMaxRowsTall
	for _, l := range resNet50Convs {
		pad := l.k / 2
		s := kerneltest.ConvSpec{N: 1, C: l.c, H: l.size, W: l.size, M: l.m, KH: l.k, KW: l.k, SH: l.s, SW: l.s,
			DH: 1, DW: 1, Pads: [4]int{pad, pad, pad, pad}, Group: 1, Bias: true, Act: "Relu"}
		abRuns(b, s, 1, 40, func(useB bool) {
			gemm.InPlaceMaxRowsTall = def
			if useB {
				gemm.InPlaceMaxRowsTall = alt
			}
		})
	}
}

func getenv(k, def string) string {
	if v, ok := os.LookupEnv(k); ok {
		return v
	}
	return def
}

// BenchmarkABWinograd compares VGG-16's convolutions with Winograd from
// its default channel count (a) against Winograd from EDGECTL_AB channels
// (b; default: the GEMM alone), through the active tier:
//
//	go test -run '^$' -bench ABWinograd -benchtime 1x -v ./runtime/kernels/
func BenchmarkABWinograd(b *testing.B) {
	minC, _ := kernels.WinoMin(simd.Asm() != nil && simd.Asm().WinoIn != nil)
	def, alt := *minC, 1<<30
	if _, err := fmt.Sscan(getenv("EDGECTL_AB", "1073741824"), &alt); err != nil {
		b.Fatal(err)
	}
	for _, l := range shapes.VGG16Convs()[1:] {
		for _, threads := range []int{1, 2} {
			abRuns(b, vgg16Spec(l), threads, 15, func(useB bool) {
				*minC = def
				if useB {
					*minC = alt
				}
			})
		}
	}
}

// BenchmarkABBlocking compares the GEMM blocking (a: gemm.KC, MC, NC as
// they are) against EDGECTL_AB="KC,MC,NC" (b) on VGG-16's and ResNet-50's
// convolutions, through the active tier:
//
//	EDGECTL_AB=256,144,384 go test -run '^$' -bench ABBlocking -benchtime 1x -v ./runtime/kernels/
func BenchmarkABBlocking(b *testing.B) {
	var kc, mc, nc int
	if _, err := fmt.Sscanf(getenv("EDGECTL_AB", "256,144,384"), "%d,%d,%d", &kc, &mc, &nc); err != nil {
		b.Fatal(err)
	}
	k0, m0, n0 := gemm.KC, gemm.MC, gemm.NC
	set := func(useB bool) {
		gemm.KC, gemm.MC, gemm.NC = k0, m0, n0
		if useB {
			gemm.KC, gemm.MC, gemm.NC = kc, mc, nc
		}
	}
	var specs []kerneltest.ConvSpec
	for _, l := range shapes.VGG16Convs() {
		specs = append(specs, vgg16Spec(l))
	}
	for _, l := range resNet50Convs[1:] {
		pad := l.k / 2
		specs = append(specs, kerneltest.ConvSpec{N: 1, C: l.c, H: l.size, W: l.size, M: l.m, KH: l.k, KW: l.k, SH: l.s, SW: l.s,
			DH: 1, DW: 1, Pads: [4]int{pad, pad, pad, pad}, Group: 1, Bias: true, Act: "Relu"})
	}
	for _, s := range specs {
		abRuns(b, s, 1, 15, set)
	}
}

// BenchmarkABWinogradSmall compares the GEMM (a) against Winograd (b) on
// 3x3 layers below the default thresholds: YOLOv2's and ResNet-50's, and
// VGG-16's 14x14 ones:
//
//	go test -run '^$' -bench ABWinogradSmall -benchtime 1x -v ./runtime/kernels/
func BenchmarkABWinogradSmall(b *testing.B) {
	minC, minR := kernels.WinoMin(simd.Asm() != nil && simd.Asm().WinoIn != nil)
	ch, rows := *minC, *minR
	set := func(useB bool) {
		*minC, *minR = 1<<30, rows
		if useB {
			*minC, *minR = 1, 1
		}
	}
	defer func() { *minC, *minR = ch, rows }()
	conv3 := func(c, m, size int) kerneltest.ConvSpec {
		return kerneltest.ConvSpec{N: 1, C: c, H: size, W: size, M: m, KH: 3, KW: 3, SH: 1, SW: 1,
			DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 1, Bias: true, Act: "Relu"}
	}
	for _, s := range []kerneltest.ConvSpec{
		conv3(32, 64, 208), conv3(64, 128, 104), conv3(128, 256, 52), conv3(256, 512, 26), conv3(512, 1024, 13), conv3(1024, 1024, 13),
		conv3(64, 64, 56), conv3(128, 128, 28), conv3(256, 256, 14), conv3(512, 512, 7), conv3(512, 512, 14),
	} {
		for _, threads := range []int{1, 2} {
			abRuns(b, s, threads, 15, set)
		}
	}
}

// BenchmarkABTallPartial compares partial B panels through the tall
// micro-kernel under an opmask (a) against edge's 6-row tiles (b), on
// 1x1 convolutions whose columns end in a partial panel (7x7: 16+16+16+1,
// 14x14: 12x16+4):
//
//	go test -run '^$' -bench ABTallPartial -benchtime 1x -v ./runtime/kernels/
func BenchmarkABTallPartial(b *testing.B) {
	pw := func(c, m, size int) kerneltest.ConvSpec {
		return kerneltest.ConvSpec{N: 1, C: c, H: size, W: size, M: m, KH: 1, KW: 1, SH: 1, SW: 1,
			DH: 1, DW: 1, Group: 1, Bias: true, Act: "Relu"}
	}
	for _, s := range []kerneltest.ConvSpec{pw(2048, 512, 7), pw(512, 2048, 7), pw(1024, 256, 14), pw(256, 1024, 14), pw(960, 160, 7)} {
		abRuns(b, s, 1, 21, func(useB bool) { gemm.TallPartial = !useB })
	}
}

// BenchmarkABWide compares the wide micro-kernel (two B panels, 12x32:
// a) against the tall one alone (24x16: b) on VGG-16's and ResNet-50's
// convolutions:
//
//	go test -run '^$' -bench ABWide -benchtime 1x -v ./runtime/kernels/
func BenchmarkABWide(b *testing.B) {
	var specs []kerneltest.ConvSpec
	for _, l := range shapes.VGG16Convs() {
		specs = append(specs, vgg16Spec(l))
	}
	for _, l := range resNet50Convs {
		pad := l.k / 2
		specs = append(specs, kerneltest.ConvSpec{N: 1, C: l.c, H: l.size, W: l.size, M: l.m, KH: l.k, KW: l.k, SH: l.s, SW: l.s,
			DH: 1, DW: 1, Pads: [4]int{pad, pad, pad, pad}, Group: 1, Bias: true, Act: "Relu"})
	}
	for _, s := range specs {
		abRuns(b, s, 1, 15, func(useB bool) { gemm.Wide = !useB })
	}
}
