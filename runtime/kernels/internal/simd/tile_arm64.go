package simd

// The register tile on arm64: 8 rows by 8 columns, 16 of the 32 NEON
// registers as accumulators (see sgemm_arm64.s).
const (
	MR = 8
	NR = 8
)
