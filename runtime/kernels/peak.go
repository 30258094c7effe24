package kernels

import "github.com/edgectl/edgectl/runtime/kernels/internal/simd"

// FMAPeak runs n iterations of a register-only fused multiply-add loop in
// assembly (AVX2+FMA on amd64, NEON on arm64) and returns the flops of one
// iteration; ok is false where no such loop runs (other CPUs, -tags noasm).
// Benchmarks divide by it to report a fraction of this CPU's peak.
func FMAPeak(n int) (flopsPerIter int, ok bool) { return simd.FMAPeak(n) }
