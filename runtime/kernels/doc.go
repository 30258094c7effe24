// Package kernels holds edgectl's fast kernels, registered beside the
// reference kernels of runtime/ref (which stay, and which every kernel here
// is tested against):
//
//   - Conv (2-D): a packed GEMM with the weights packed once at Prepare and
//     the image read through im2col straight into the B panels (no im2col
//     matrix), or read in place when C has few rows; column stride 2 reads
//     the image split into even and odd columns; 1x1 stride-1 convolutions
//     read the image as the B matrix; bias, a residual sum (accumulated in
//     place when the executor gives the output the residual's buffer) and a
//     fused activation (Fuse) run in the GEMM epilogue. Depthwise
//     convolutions run 8 channels at a time in an interleaved layout
//     (conv_dw8.go; the channels past a multiple of 8 plane by plane,
//     conv_dw.go), or, 3x3 stride 1 on planes 16 wide or more where the
//     tier has DW3S1 (AVX-512), plane by plane in place (conv_dw3.go);
//     first layers with few input channels as a direct
//     convolution of 16 output channels at a time (conv_direct.go), and
//     3x3 stride-1 layers as Winograd F(2x2, 3x3) (conv_wino.go: from 64
//     channels where the tier has fused transforms, AVX-512; from 256
//     channels on planes of 28 rows or more otherwise).
//   - Gemm and MatMul: the same packed GEMM; with at most four rows, a
//     vectorised matrix-vector product.
//   - MaxPool, AveragePool (2-D), GlobalAveragePool, GlobalMaxPool, Relu,
//     LeakyRelu, Clip, HardSwish, Add, Sub, Mul, Div: vector loops.
//
// Every kernel exists in two implementations: plain Go ("kernels-go",
// kernelapi.PriorityTuned) and assembly ("kernels-asm",
// kernelapi.PriorityAssembly). The assembly runs one tier, chosen once at
// init from the CPU's features (golang.org/x/sys/cpu): on amd64 AVX-512
// ("avx512": F, BW, DQ, VL, with AVX2, FMA and BMI2) or else AVX2+FMA
// ("avx2"), NEON ("neon") on arm64, none with -tags noasm or elsewhere
// ("go"). The avx512 tier is the avx2 one with ZMM loops where they paid:
// the GEMM computes 12x32 tiles (two packed A and two B panels at once)
// and 24x16 ones (four A panels, for a last panel or one read in place),
// partial B panels under an opmask, Winograd's transforms are fused into one call
// per tile row, first layers and stride-1 depthwise rows use ZMM FMAs
// (RATIONALE.md, "An AVX-512 tier chosen at run time"). EDGECTL_KERNELS=
// avx512|avx2|neon|go caps the choice (for tests and comparisons); a
// value naming no tier is ignored and reported by TierError. Tier names
// the active tier, Tiers every tier the machine runs and PrepareTier
// gives any of them (the conformance tests run them all); FMAPeak runs
// the active tier's peak loop. The inner loops live in internal/simd, the
// GEMM driver in internal/gemm, thread splitting in internal/par; the
// conformance suites that every implementation runs are in kerneltest.
//
// A kernel's Prepare returns nil for a node it does not cover, and the
// executor falls back to the next implementation. Env.Threads is the
// intra-op thread budget: with 1, kernels start no goroutines.
//
// It imports graphir and runtime/ref, never runtime (runtime imports it,
// runtime/kernels_register.go).
package kernels
