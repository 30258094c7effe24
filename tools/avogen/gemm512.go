package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The AVX-512 tier's GEMM micro-kernels. They read the same packed panels
// as sgemm6x16 (A: 6 rows per k, B: 16 columns per k) but compute up to
// four consecutive A panels against one B panel at once: a 24x16 tile in
// 24 ZMM accumulators (one ZMM per row). Per k-step: one B load and 24
// FMAs, each broadcasting its A element from memory (embedded broadcast),
// so the FMA ports, not the loads, bound the loop. The A panels of a call
// lie kc*6 floats apart (the packed A block holds them consecutively).
//
// Variants for 1..4 panels (6, 12, 18, 24 rows) keep short M blocks from
// computing rows that are not there; the caller picks one by mr.
//
// A partial last B panel (fewer than 16 columns, zero past them as packed)
// needs no separate path: (flags >> colsShift) & 31, when not 0, is the
// number of columns of C to read and write, and an opmask (K2) limits the
// loads and stores of C and of the column bias to them.

// zmmAcc are the accumulators: row r of the tile in Z(r).
var zmmAcc = []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11,
	Z12, Z13, Z14, Z15, Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23}

func genSgemm512() {
	for _, panels := range []int{1, 2, 3, 4} {
		genSgemmZ(panels, false)
		genSgemmZ(panels, true)
	}
	genFMAPeak512()
}

// genSgemmZ emits sgemm{6*panels}x16z, or with indirect its in-place form
// sgemm{6*panels}x16zind (row k of B the 16 floats at b + offs[k]).
func genSgemmZ(panels int, indirect bool) {
	rowsMax := mr * panels
	name := fmt.Sprintf("sgemm%dx16z", rowsMax)
	if indirect {
		name += "ind"
		TEXT(name, NOSPLIT, "func(kc int, a, b *float32, offs *int32, c *float32, ldc, mr, flags int, rowBias, colBias, params *float32)")
		Pragma("noescape")
		Doc(name + " is " + fmt.Sprintf("sgemm%dx16z", rowsMax) + " with row k of B the 16 floats at b[offs[k]:].")
	} else {
		TEXT(name, NOSPLIT, "func(kc int, a, b, c *float32, ldc, mr, flags int, rowBias, colBias, params *float32)")
		Pragma("noescape")
		Doc(
			fmt.Sprintf("%s computes the %dx16 tile of %d consecutive packed A panels (kc*6", name, rowsMax, panels),
			"floats apart) times one packed B panel, in ZMM registers, and stores its first",
			fmt.Sprintf("mr rows (1 <= mr <= %d) to c with sgemm6x16's epilogue.", rowsMax),
		)
	}
	L := func(l string) string { return name + "_" + l }
	acc := zmmAcc[:rowsMax]
	kc := Load(Param("kc"), GP64())
	pb := Load(Param("b"), GP64())
	var po Register
	if indirect {
		po = Load(Param("offs"), GP64())
	}
	pc := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	// The panels' A pointers.
	pa := make([]Register, panels)
	pa[0] = Load(Param("a"), GP64())
	if panels > 1 {
		stride := GP64()
		MOVQ(kc, stride)
		IMUL3Q(U32(4*mr), stride, stride)
		for p := 1; p < panels; p++ {
			pa[p] = GP64()
			LEAQ(Mem{Base: pa[p-1], Index: stride, Scale: 1}, pa[p])
		}
	}

	Comment("Prefetch the C tile while the products run.")
	t := GP64()
	MOVQ(pc, t)
	for r := 0; r < rowsMax; r++ {
		PREFETCHT0(Mem{Base: t})
		PREFETCHT0(Mem{Base: t, Disp: 60})
		if r < rowsMax-1 {
			ADDQ(ldc, t)
		}
	}
	for _, z := range acc {
		VXORPS(z, z, z)
	}

	bi := GP64()
	bz := []VecPhysical{Z24, Z25}
	step := func(u int) {
		b := bz[u%2]
		if indirect {
			MOVLQSX(Mem{Base: po, Disp: 4 * u}, bi)
			VMOVUPS(Mem{Base: pb, Index: bi, Scale: 4}, b)
		} else {
			VMOVUPS(Mem{Base: pb, Disp: 64 * u}, b)
		}
		for r := 0; r < rowsMax; r++ {
			VFMADD231PS_BCST(Mem{Base: pa[r/mr], Disp: 4 * (mr*u + r%mr)}, b, acc[r])
		}
	}
	advance := func(steps int) {
		for _, p := range pa {
			ADDQ(U32(4*mr*steps), p)
		}
		if indirect {
			ADDQ(U32(4*steps), po)
		} else {
			ADDQ(U32(4*nr*steps), pb)
		}
	}
	Label(L("loop4"))
	CMPQ(kc, U8(4))
	JL(LabelRef(L("tail")))
	for _, p := range pa {
		PREFETCHT0(Mem{Base: p, Disp: 4 * mr * 16})
	}
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
	// K2 = the columns of C: (1 << cols) - 1, all 16 when cols is 0.
	cols := GP64()
	MOVQ(flags, cols)
	SHRQ(U8(colsShift), cols)
	ANDQ(U8(31), cols)
	MOVQ(U32(0xffff), t)
	JE(LabelRef(L("mask")))
	one := GP64()
	MOVQ(U32(1), one)
	SHLXQ(cols, one, t) // BMI2, which every AVX-512 CPU has
	DECQ(t)
	Label(L("mask"))
	KMOVW(t.As32(), K2)
	// forRows emits body for each row r < mr, jumping to next past the last.
	forRows := func(next string, body func(r int, z VecPhysical)) {
		for r, z := range acc {
			if r > 0 {
				CMPQ(rows, U8(r))
				JLE(LabelRef(L(next)))
			}
			body(r, z)
		}
	}
	TESTQ(U32(flagAccumulate), flags)
	JE(LabelRef(L("rowbias")))
	MOVQ(pc, t)
	forRows("rowbias", func(r int, z VecPhysical) {
		VADDPS(Mem{Base: t}, z, K2, z) // masked-off lanes: no read, no fault
		if r < rowsMax-1 {
			ADDQ(ldc, t)
		}
	})

	Label(L("rowbias"))
	TESTQ(U32(flagRowBias), flags)
	JE(LabelRef(L("colbias")))
	rb := Load(Param("rowBias"), GP64())
	forRows("colbias", func(r int, z VecPhysical) {
		VADDPS_BCST(Mem{Base: rb, Disp: 4 * r}, z, z)
	})

	Label(L("colbias"))
	TESTQ(U32(flagColBias), flags)
	JE(LabelRef(L("act")))
	cb := Load(Param("colBias"), GP64())
	VMOVUPS_Z(Mem{Base: cb}, K2, Z26)
	for _, z := range acc {
		VADDPS(Z26, z, z)
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

	// As in sgemm6x16: the value is VMAXPS/VMINPS's first source (Go
	// order), the one returned when a NaN is involved.
	Label(L("clamp"))
	VBROADCASTSS(Mem{Base: prm}, Z26)
	VBROADCASTSS(Mem{Base: prm, Disp: 32}, Z27)
	for _, z := range acc {
		VMAXPS(z, Z26, z)
		VMINPS(z, Z27, z)
	}
	JMP(LabelRef(L("store")))

	Label(L("leaky"))
	VBROADCASTSS(Mem{Base: prm}, Z26)
	VXORPS(Z27, Z27, Z27)
	for _, z := range acc {
		VCMPPS(U8(1), Z27, z, K1) // z < 0 (false for NaN)
		VMULPS(Z26, z, K1, z)     // those lanes times p0
	}
	JMP(LabelRef(L("store")))

	Label(L("hswish"))
	VBROADCASTSS(Mem{Base: prm}, Z26)
	VBROADCASTSS(Mem{Base: prm, Disp: 32}, Z27)
	VBROADCASTSS(Mem{Base: prm, Disp: 64}, Z28)
	VXORPS(Z29, Z29, Z29)
	for _, z := range acc {
		VMOVAPS(Z27, Z30)
		VFMADD231PS(Z26, z, Z30) // x*p0 + p1
		VMINPS(Z30, Z28, Z30)
		VMAXPS(Z30, Z29, Z30)
		VMULPS(Z30, z, z)
	}

	Label(L("store"))
	MOVQ(pc, t)
	forRows("done", func(r int, z VecPhysical) {
		VMOVUPS(z, K2, Mem{Base: t})
		if r < rowsMax-1 {
			ADDQ(ldc, t)
		}
	})
	Label(L("done"))
	VZEROUPPER()
	RET()
}

// genFMAPeak512 emits a loop of 12 independent 16-wide FMAs per iteration
// on ZMM registers only: 384 flops per iteration, no memory traffic.
func genFMAPeak512() {
	TEXT("fmaPeak512", NOSPLIT, "func(n int)")
	Doc("fmaPeak512 runs n iterations of 12 independent VFMADD231PS on ZMM registers (384 flops each).")
	n := Load(Param("n"), GP64())
	acc := zmmAcc[:12:12] // (a full slice: the append below must not write into zmmAcc)
	for _, z := range append(acc, Z24, Z25) {
		VXORPS(z, z, z)
	}
	TESTQ(n, n)
	JE(LabelRef("peak512_done"))
	Label("peak512_loop")
	for _, z := range acc {
		VFMADD231PS(Z24, Z25, z)
	}
	DECQ(n)
	JNE(LabelRef("peak512_loop"))
	Label("peak512_done")
	VZEROUPPER()
	RET()
}
