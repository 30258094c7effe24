// Package gemm is edgectl's packed single-precision matrix multiply,
// C = A·B (+ bias, activation), in the BLIS arrangement:
//
//	for jc over N in NC columns:            B block in L2
//	  for each K block of at most KC:       pack B (kc x nc) into NR-wide panels
//	    for ic over M in MC rows:           A block (mc x kc) in L2, packed once
//	      for jr over nc in NR:             B micro-panel (kc x NR) in L1
//	        for ir over mc in MR:           micro-kernel: MR x NR tile in registers
//
// The micro-kernel (package simd) accumulates a tile over one K block and
// stores it, adding the previous K blocks' partial sums from C; on the last
// block it also adds the bias and applies the activation, so the epilogue
// costs no extra pass over C. A is either packed per block from a strided
// matrix or packed once ahead (convolution weights, PackedA); B comes from a
// BSource, a strided matrix or an image read through im2col (Im2col), so no
// im2col matrix is ever built. Threads split C into a grid of rectangles.
//
// It imports internal/simd and internal/par only.
package gemm
