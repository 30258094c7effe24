// Command avogen generates edgectl's AVX2+FMA and AVX-512 kernels (Go
// assembly for amd64) with avo. Its output is committed under
// runtime/kernels/internal/simd; `make generate-kernels` reruns it:
//
//	go run . -out ../../runtime/kernels/internal/simd/simd_amd64.s \
//	         -stubs ../../runtime/kernels/internal/simd/stubs_amd64.go -pkg simd
//
// What it generates:
//   - sgemm6x16: the GEMM micro-kernel, a 6x16 tile of C in 12 YMM
//     accumulators over packed A (6 rows per k) and packed B (16 columns per
//     k) panels, with the fused epilogue (accumulate into C, row or column
//     bias, clamp / leaky / hard-swish activation);
//   - fmaPeak: a register-only FMA loop to measure the core's FMA peak;
//   - element-wise maps, reductions and pooling rows (vec.go);
//   - the depthwise convolution's weighted sum of shifted rows and its
//     stride-2 deinterleave (dw.go);
//   - the interleaved depthwise and direct first-layer convolutions (c8.go)
//     and the GEMM packing loops (pack.go);
//   - for the AVX-512 tier: the tall GEMM micro-kernels (6 to 24 rows of
//     16 columns in ZMM registers, partial panels under an opmask) and
//     fmaPeak512 (gemm512.go), Winograd's fused transforms (wino512.go),
//     the ZMM direct first-layer and stride-1 depthwise rows (c16z.go),
//     the planar 3x3 stride-1 depthwise convolution (dw3z.go);
//   - gemvPanels6, one B column against packed A panels, for the last few
//     columns of a partial B panel (gemv.go).
//
// CPU detection is not here: runtime/kernels/internal/simd uses
// golang.org/x/sys/cpu.
package main

import . "github.com/mmcloughlin/avo/build"

func main() {
	ConstraintExpr("!noasm")
	genSgemm()
	genFMAPeak()
	genSgemm512()
	genSgemmWide(2)
	genSgemmWide(1)
	genWino512()
	genConvC16Z(1)
	genConvC16Z(2)
	genDWC8Z()
	genDW3S1Z()
	genVec()
	genPack()
	genDepthwise()
	genC8()
	genGemvPanels()
	Generate()
}
