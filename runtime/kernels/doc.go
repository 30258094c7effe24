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
//     conv_dw.go), first layers with few input channels as a direct
//     convolution of 16 output channels at a time (conv_direct.go), and
//     wide 3x3 stride-1 layers as Winograd F(2x2, 3x3) (conv_wino.go).
//   - Gemm and MatMul: the same packed GEMM; with at most four rows, a
//     vectorised matrix-vector product.
//   - MaxPool, AveragePool (2-D), GlobalAveragePool, GlobalMaxPool, Relu,
//     LeakyRelu, Clip, HardSwish, Add, Sub, Mul, Div: vector loops.
//
// Every kernel exists in two implementations: plain Go ("kernels-go",
// kernelapi.PriorityTuned) and assembly ("kernels-asm",
// kernelapi.PriorityAssembly). The assembly runs one tier, chosen once at
// init from the CPU's features (golang.org/x/sys/cpu): AVX2+FMA ("avx2") on
// amd64, NEON ("neon") on arm64, none with -tags noasm or elsewhere ("go").
// EDGECTL_KERNELS=avx2|neon|go caps the choice (for tests and
// comparisons); a value naming no tier is ignored and reported by
// TierError. Tier names the active tier, Tiers every tier the machine runs
// and PrepareTier gives any of them (the conformance tests run them all).
// The inner loops live in internal/simd, the GEMM driver in internal/gemm,
// thread splitting in internal/par; the conformance suites that every
// implementation runs are in kerneltest.
//
// A kernel's Prepare returns nil for a node it does not cover, and the
// executor falls back to the next implementation. Env.Threads is the
// intra-op thread budget: with 1, kernels start no goroutines.
//
// It imports graphir and runtime/ref, never runtime (runtime imports it,
// runtime/kernels_register.go).
package kernels
