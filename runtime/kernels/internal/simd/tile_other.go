//go:build !arm64

package simd

// The register tile elsewhere: 6 rows by 16 columns, the AVX2 tile of
// sgemm6x16 (12 YMM accumulators). The Go micro-kernel uses the same shape
// so packed operands do not depend on the build.
const (
	MR = 6
	NR = 16
)
