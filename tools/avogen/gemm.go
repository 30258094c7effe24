package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Flags of sgemm6x16; they must match runtime/kernels/internal/simd.
const (
	flagAccumulate = 1 << 0 // C += tile (else C = tile)
	flagRowBias    = 1 << 1 // tile row r += rowBias[r]
	flagColBias    = 1 << 2 // tile column j += colBias[j]
	actShift       = 4      // (flags >> 4) & 15 selects the activation
	colsShift      = 8      // (flags >> 8) & 31: the columns of C (0: all 16), ZMM kernels only
	actClamp       = 1      // min(max(x, p0), p1): Relu, Clip
	actLeaky       = 2      // x < 0 ? p0*x : x
	actHardSwish   = 3      // x * min(max(x*p0 + p1, 0), p2)
)

const (
	mr = 6  // rows of the register tile (A panel width)
	nr = 16 // columns of the register tile (B panel width), two YMM
)

// genSgemm emits the 6x16 micro-kernel. Register use: Y0..Y11 hold the
// tile (row r in Y(2r), Y(2r+1)), Y12/Y13 one k-row of the B panel, Y14/Y15
// broadcasts of A; the loop is unrolled four k-steps deep. Twelve
// independent accumulators cover the FMA latency (4 cycles) times its
// throughput (2 per cycle) with room to spare; each k-step does two B
// loads, six broadcasts and twelve FMAs.
func genSgemm() {
	genSgemmVariant(false, false)
	genSgemmVariant(true, false)
	genSgemmVariant(false, true)
}

// genSgemmVariant emits sgemm6x16, or with indirect sgemm6x16ind, whose B
// rows are not a packed panel but 16 floats at b + offs[k] each (an
// im2col panel read straight from the image: no packing pass).
//
// With narrow it emits sgemm6x8: the 6x8 tile of the first 8 columns of a
// packed 16-column panel, at half the work, for a last panel of at most 8
// columns (a 7x7 image has 49 output columns: 16+16+16+1).
func genSgemmVariant(indirect, narrow bool) {
	name := "sgemm6x16"
	vpr := 2 // vectors per tile row
	if narrow {
		name, vpr = "sgemm6x8", 1
		TEXT(name, NOSPLIT, "func(kc int, a, b, c *float32, ldc, mr, flags int, rowBias, colBias, params *float32)")
		Pragma("noescape")
		Doc("sgemm6x8 is sgemm6x16 for the first 8 columns of the panel and the tile.")
	} else if indirect {
		name = "sgemm6x16ind"
		TEXT(name, NOSPLIT, "func(kc int, a, b *float32, offs *int32, c *float32, ldc, mr, flags int, rowBias, colBias, params *float32)")
		Pragma("noescape")
		Doc(
			"sgemm6x16ind is sgemm6x16 with row k of B the 16 floats at b[offs[k]:].",
		)
	} else {
		TEXT(name, NOSPLIT, "func(kc int, a, b, c *float32, ldc, mr, flags int, rowBias, colBias, params *float32)")
		Pragma("noescape")
		Doc(
			"sgemm6x16 computes the 6x16 tile T = sum over k < kc of a[k*6+r] * b[k*16+j]",
			"and stores its first mr rows (1 <= mr <= 6) to c (row stride ldc elements),",
			"adding C first with flagAccumulate, then the biases and the activation the",
			"flags ask for. params holds four 8-float vectors of activation constants.",
		)
	}
	L := func(l string) string { return name + "_" + l }
	acc := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11}[:mr*vpr]
	row := func(r int) []VecPhysical { return acc[vpr*r : vpr*r+vpr] }
	kc := Load(Param("kc"), GP64())
	pa := Load(Param("a"), GP64())
	pb := Load(Param("b"), GP64())
	var po Register
	if indirect {
		po = Load(Param("offs"), GP64())
	}
	pc := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)

	Comment("Prefetch the C tile while the products run.")
	t := GP64()
	MOVQ(pc, t)
	for r := 0; r < mr; r++ {
		PREFETCHT0(Mem{Base: t})
		PREFETCHT0(Mem{Base: t, Disp: 60})
		if r < mr-1 {
			ADDQ(ldc, t)
		}
	}
	for _, y := range acc {
		VXORPS(y, y, y)
	}

	bi := GP64()
	step := func(u int) {
		if indirect {
			MOVLQSX(Mem{Base: po, Disp: 4 * u}, bi)
			VMOVUPS(Mem{Base: pb, Index: bi, Scale: 4}, Y12)
			VMOVUPS(Mem{Base: pb, Index: bi, Scale: 4, Disp: 32}, Y13)
		} else {
			VMOVUPS(Mem{Base: pb, Disp: 64 * u}, Y12)
			if !narrow {
				VMOVUPS(Mem{Base: pb, Disp: 64*u + 32}, Y13)
			}
		}
		for r := 0; r < mr; r++ {
			bc := Y14
			if r%2 == 1 {
				bc = Y15
			}
			VBROADCASTSS(Mem{Base: pa, Disp: 4 * (mr*u + r)}, bc)
			for v, y := range row(r) {
				VFMADD231PS([]VecPhysical{Y12, Y13}[v], bc, y)
			}
		}
	}

	advance := func(steps int) {
		ADDQ(U32(4*mr*steps), pa)
		if indirect {
			ADDQ(U32(4*steps), po)
		} else {
			ADDQ(U32(4*nr*steps), pb)
		}
	}
	Label(L("loop4"))
	CMPQ(kc, U8(4))
	JL(LabelRef(L("tail")))
	PREFETCHT0(Mem{Base: pa, Disp: 4 * mr * 16})
	step(0)
	step(1)
	if indirect {
		pf := GP64()
		MOVLQSX(Mem{Base: po, Disp: 4 * 8}, pf)
		PREFETCHT0(Mem{Base: pb, Index: pf, Scale: 4})
	} else {
		PREFETCHT0(Mem{Base: pb, Disp: 4 * nr * 8})
	}
	step(2)
	step(3)
	advance(4)
	SUBQ(U8(4), kc)
	JMP(LabelRef(L("loop4")))

	Label(L("tail"))
	TESTQ(kc, kc)
	JE(LabelRef(L("epilogue")))
	step(0)
	advance(1)
	DECQ(kc)
	JMP(LabelRef(L("tail")))

	Label(L("epilogue"))
	flags := Load(Param("flags"), GP64())
	rows := Load(Param("mr"), GP64())
	TESTQ(U32(flagAccumulate), flags)
	JE(LabelRef(L("rowbias")))
	MOVQ(pc, t)
	for r := 0; r < mr; r++ {
		if r > 0 {
			CMPQ(rows, U8(r))
			JLE(LabelRef(L("rowbias")))
		}
		for v, y := range row(r) {
			VADDPS(Mem{Base: t, Disp: 32 * v}, y, y)
		}
		if r < mr-1 {
			ADDQ(ldc, t)
		}
	}

	Label(L("rowbias"))
	TESTQ(U32(flagRowBias), flags)
	JE(LabelRef(L("colbias")))
	rb := Load(Param("rowBias"), GP64())
	for r := 0; r < mr; r++ {
		if r > 0 {
			CMPQ(rows, U8(r))
			JLE(LabelRef(L("colbias")))
		}
		VBROADCASTSS(Mem{Base: rb, Disp: 4 * r}, Y14)
		for _, y := range row(r) {
			VADDPS(Y14, y, y)
		}
	}

	Label(L("colbias"))
	TESTQ(U32(flagColBias), flags)
	JE(LabelRef(L("act")))
	cb := Load(Param("colBias"), GP64())
	VMOVUPS(Mem{Base: cb}, Y14)
	VMOVUPS(Mem{Base: cb, Disp: 32}, Y15) // (past the 8 columns of sgemm6x8: colBias holds NR)
	for r := 0; r < mr; r++ {
		for v, y := range row(r) {
			VADDPS([]VecPhysical{Y14, Y15}[v], y, y)
		}
	}

	Label(L("act"))
	SHRQ(U8(actShift), flags)
	ANDQ(U8(15), flags)
	prm := Load(Param("params"), GP64())
	CMPQ(flags, U8(actClamp))
	JE(LabelRef(L("clamp")))
	CMPQ(flags, U8(actLeaky))
	JE(LabelRef(L("leaky")))
	CMPQ(flags, U8(actHardSwish))
	JE(LabelRef(L("hswish")))
	JMP(LabelRef(L("store")))

	// In Go operand order the first source of VMAXPS/VMINPS is the one
	// returned when a NaN is involved; putting the value there propagates
	// NaN as the reference (Go's max and min) does.
	Label(L("clamp"))
	VMOVUPS(Mem{Base: prm}, Y14)
	VMOVUPS(Mem{Base: prm, Disp: 32}, Y15)
	for _, y := range acc {
		VMAXPS(y, Y14, y)
		VMINPS(y, Y15, y)
	}
	JMP(LabelRef(L("store")))

	Label(L("leaky"))
	VMOVUPS(Mem{Base: prm}, Y14)
	VXORPS(Y15, Y15, Y15)
	for _, y := range acc {
		VMULPS(Y14, y, Y12)
		VCMPPS(U8(1), Y15, y, Y13) // y < 0
		VBLENDVPS(Y13, Y12, y, y)
	}
	JMP(LabelRef(L("store")))

	Label(L("hswish"))
	VMOVUPS(Mem{Base: prm, Disp: 64}, Y14)
	VXORPS(Y15, Y15, Y15)
	for _, y := range acc {
		VMOVUPS(Mem{Base: prm, Disp: 32}, Y12)
		VFMADD231PS(Mem{Base: prm}, y, Y12) // x*p0 + p1
		VMINPS(Y12, Y14, Y12)
		VMAXPS(Y12, Y15, Y12)
		VMULPS(Y12, y, y)
	}

	Label(L("store"))
	MOVQ(pc, t)
	for r := 0; r < mr; r++ {
		if r > 0 {
			CMPQ(rows, U8(r))
			JLE(LabelRef(L("done")))
		}
		for v, y := range row(r) {
			VMOVUPS(y, Mem{Base: t, Disp: 32 * v})
		}
		if r < mr-1 {
			ADDQ(ldc, t)
		}
	}
	Label(L("done"))
	VZEROUPPER()
	RET()
}

// genFMAPeak emits a loop of 12 independent 8-wide FMAs per iteration on
// registers only: 192 flops per iteration, no memory traffic.
func genFMAPeak() {
	TEXT("fmaPeak", NOSPLIT, "func(n int)")
	Doc("fmaPeak runs n iterations of 12 independent VFMADD231PS on YMM registers (192 flops each).")
	n := Load(Param("n"), GP64())
	acc := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11}
	for _, y := range append(acc, Y12, Y13) {
		VXORPS(y, y, y)
	}
	TESTQ(n, n)
	JE(LabelRef("peak_done"))
	Label("peak_loop")
	for _, y := range acc {
		VFMADD231PS(Y12, Y13, y)
	}
	DECQ(n)
	JNE(LabelRef("peak_loop"))
	Label("peak_done")
	VZEROUPPER()
	RET()
}
