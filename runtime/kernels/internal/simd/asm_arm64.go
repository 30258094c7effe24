//go:build !noasm

package simd

// Asm returns the NEON implementation: the GEMM micro-kernel in assembly
// (sgemm_arm64.s), the element-wise loops in Go.
func Asm() *Ops { return &neonOps }

// FMAPeak runs n iterations of a register-only loop of 12 independent
// 4-wide FMLA (96 flops each).
func FMAPeak(n int) (flopsPerIter int, ok bool) {
	fmaPeak(n)
	return 96, true
}

//go:noescape
func sgemm8x8(kc int, a, b, c *float32, ldc, mr, flags int, rowBias, colBias, params *float32)

func fmaPeak(n int)

var neonOps = func() Ops {
	o := goOps
	o.Name = "neon"
	o.SgemmInd = nil // no NEON in-place kernel: panels are packed
	// The interleaved depthwise and the direct first-layer convolution are
	// plain Go here; they replace NEON GEMM calls (first layers) or the
	// per-plane path without having been timed on an arm64 board, so the
	// NEON tier keeps the paths it had.
	o.DWC8, o.ConvC16 = nil, nil
	o.Sgemm = func(kc int, a, b, c *float32, ldc, mr, flags int, rowBias, colBias *float32, params *Params) {
		sgemm8x8(kc, a, b, c, ldc, mr, flags, rowBias, colBias, &params[0])
	}
	return o
}()
