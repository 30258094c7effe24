//go:build !noasm

package simd

// NoAsmBuild is true where this build has no assembly by construction.
const NoAsmBuild = false

// asmTierNames are the assembly tiers of arm64.
var asmTierNames = []string{"neon"}

// available returns the NEON tier (every arm64 CPU has NEON): the GEMM
// micro-kernel in assembly (sgemm_arm64.s), the element-wise loops in Go.
func available() []*Ops { return []*Ops{&neonOps} }

//go:noescape
func sgemm8x8(kc int, a, b, c *float32, ldc, mr, flags int, rowBias, colBias, params *float32)

func fmaPeak(n int)

var neonOps = func() Ops {
	o := goOps
	o.Name = "neon"
	// 12 independent 4-wide FMLA per iteration (96 flops).
	o.FMAPeak = func(n int) int { fmaPeak(n); return 96 }
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
