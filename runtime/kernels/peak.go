package kernels

import "github.com/edgectl/edgectl/runtime/kernels/internal/simd"

// FMAPeak runs n iterations of the active tier's register-only fused
// multiply-add loop in assembly (16-wide ZMM FMAs on the avx512 tier,
// 8-wide YMM on avx2, 4-wide NEON on arm64) and returns the flops of one
// iteration; ok is false where no such loop runs (the go tier: other CPUs,
// -tags noasm, EDGECTL_KERNELS=go). Benchmarks divide by it to report a
// fraction of the peak of the tier the kernels run.
func FMAPeak(n int) (flopsPerIter int, ok bool) { return simd.FMAPeak(n) }
