package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genConvC16Z emits convc16s{1,2}Z, the AVX-512 form of convc16s{1,2}F32
// (the direct first-layer convolution, runtime/kernels/conv_direct.go):
// one ZMM holds all 16 output channels of a position, so a tap costs one
// broadcast and one FMA per position instead of one broadcast and two
// YMM FMAs. Blocks of 12 positions (12 accumulators), a last block of
// convP when no more than convP positions are left; each position's
// result is stored as its two groups of 8 channels.
func genConvC16Z(step int) {
	name := fmt.Sprintf("convc16s%dZ", step)
	TEXT(name, NOSPLIT, "func(dst, src []float32, offs []int32, w, bias []float32, rows, n, dstStride, srcStride, groupStride int, lo, hi float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is convc16s%dF32 in ZMM registers, 12 positions per block.", name, step))
	pd := Load(Param("dst").Base(), GP64())
	psrc := Load(Param("src").Base(), GP64())
	po := Load(Param("offs").Base(), GP64())
	pw := Load(Param("w").Base(), GP64())
	rows := Load(Param("rows"), GP64())
	gs := Load(Param("groupStride"), GP64())
	SHLQ(U8(2), gs)
	pb := Load(Param("bias").Base(), GP64())
	bias, lo, hi := Z28, Z29, Z30
	VMOVUPS(Mem{Base: pb}, bias)
	VBROADCASTSS(paramAddr("lo"), lo)
	VBROADCASTSS(paramAddr("hi"), hi)
	accs := []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11}
	pfx := fmt.Sprintf("cvz%d_", step)
	s, d, c := GP64(), GP64(), GP64()
	t, off, wp, nt := GP64(), GP64(), GP64(), GP64()

	block := func(P int, lbl string) {
		acc := accs[:P]
		for _, z := range acc {
			VMOVAPS(bias, z)
		}
		XORQ(t, t)
		MOVQ(pw, wp)
		tap := func(u int) {
			MOVLQSX(Mem{Base: po, Index: t, Scale: 4, Disp: 4 * u}, off)
			w := Z31
			VMOVUPS(Mem{Base: wp, Disp: 64 * u}, w)
			for p, z := range acc {
				VFMADD231PS_BCST(Mem{Base: s, Index: off, Scale: 4, Disp: 4 * step * p}, w, z)
			}
		}
		MOVQ(paramLen("offs"), nt)
		SUBQ(U8(2), nt) // t+3 <= len(offs)
		Label(pfx + lbl + "tap3")
		CMPQ(t, nt)
		JGE(LabelRef(pfx + lbl + "tap1"))
		for u := 0; u < 3; u++ {
			tap(u)
		}
		ADDQ(U8(192), wp)
		ADDQ(U8(3), t)
		JMP(LabelRef(pfx + lbl + "tap3"))
		Label(pfx + lbl + "tap1")
		CMPQ(t, paramLen("offs"))
		JGE(LabelRef(pfx + lbl + "tap_end"))
		tap(0)
		ADDQ(U8(64), wp)
		INCQ(t)
		JMP(LabelRef(pfx + lbl + "tap1"))
		Label(pfx + lbl + "tap_end")
		for p, z := range acc {
			VMAXPS(z, lo, z) // the value first: NaN stays
			VMINPS(z, hi, z)
			VMOVUPS(z.AsY(), Mem{Base: d, Disp: 32 * p})
			VEXTRACTF32X8(U8(1), z, Mem{Base: d, Index: gs, Scale: 1, Disp: 32 * p})
		}
		ADDQ(U32(4*step*P), s)
		ADDQ(U32(32*P), d)
		SUBQ(U8(P), c)
	}

	Label(pfx + "row")
	TESTQ(rows, rows)
	JE(LabelRef(pfx + "done"))
	Load(Param("n"), c)
	MOVQ(psrc, s)
	MOVQ(pd, d)
	Label(pfx + "block")
	CMPQ(c, U8(convP))
	JLE(LabelRef(pfx + "last"))
	// More than convP positions left: n rounded up to convP leaves at
	// least 12 to compute.
	block(12, "b12")
	JMP(LabelRef(pfx + "block"))
	Label(pfx + "last")
	CMPQ(c, U8(0))
	JLE(LabelRef(pfx + "next"))
	block(convP, "b6")
	Label(pfx + "next")
	ss := Load(Param("srcStride"), GP64())
	SHLQ(U8(2), ss)
	ADDQ(ss, psrc)
	ds := Load(Param("dstStride"), GP64())
	SHLQ(U8(2), ds)
	ADDQ(ds, pd)
	DECQ(rows)
	JMP(LabelRef(pfx + "row"))
	Label(pfx + "done")
	VZEROUPPER()
	RET()
}

// genDWC8Z emits dwc8s1Z, the AVX-512 form of dwc8s1F32 (the interleaved
// depthwise convolution, runtime/kernels/conv_dw8.go) at column stride 1:
// two adjacent positions' 8 channels are 16 consecutive floats, so one
// ZMM FMA (the tap's 8 weights in both halves) does two positions. Blocks
// of 16 positions (8 accumulators, enough to cover the FMA latency), a
// last block of 8 when no more than 8 are left (n is rounded up to 8).
// Stride 2 stays YMM: its two positions are not adjacent.
func genDWC8Z() {
	name := "dwc8s1Z"
	TEXT(name, NOSPLIT, "func(dst, src []float32, offs []int32, w, bias []float32, rows, n, dstStride, srcStride int, lo, hi float32)")
	Pragma("noescape")
	Doc(name + " is dwc8s1F32 in ZMM registers, two positions per register.")
	pd := Load(Param("dst").Base(), GP64())
	psrc := Load(Param("src").Base(), GP64())
	po := Load(Param("offs").Base(), GP64())
	pw := Load(Param("w").Base(), GP64())
	rows := Load(Param("rows"), GP64())
	pb := Load(Param("bias").Base(), GP64())
	bias, lo, hi := Z28, Z29, Z30
	VBROADCASTF32X8(Mem{Base: pb}, bias)
	VBROADCASTSS(paramAddr("lo"), lo)
	VBROADCASTSS(paramAddr("hi"), hi)
	accs := []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7}
	s, d, c := GP64(), GP64(), GP64()
	t, off, wp := GP64(), GP64(), GP64()
	block := func(P int, lbl string) {
		acc := accs[:P/2]
		for _, z := range acc {
			VMOVAPS(bias, z)
		}
		XORQ(t, t)
		MOVQ(pw, wp)
		CMPQ(t, paramLen("offs"))
		JGE(LabelRef(lbl + "_end"))
		Label(lbl + "_tap")
		MOVLQSX(Mem{Base: po, Index: t, Scale: 4}, off)
		VBROADCASTF32X8(Mem{Base: wp}, Z31)
		for i, z := range acc {
			VFMADD231PS(Mem{Base: s, Index: off, Scale: 4, Disp: 64 * i}, Z31, z)
		}
		ADDQ(U8(32), wp)
		INCQ(t)
		CMPQ(t, paramLen("offs"))
		JL(LabelRef(lbl + "_tap"))
		Label(lbl + "_end")
		for i, z := range acc {
			VMAXPS(z, lo, z) // the value first: NaN stays
			VMINPS(z, hi, z)
			VMOVUPS(z, Mem{Base: d, Disp: 64 * i})
		}
		ADDQ(U32(32*P), s)
		ADDQ(U32(32*P), d)
		SUBQ(U8(P), c)
	}
	Label("dwz_row")
	TESTQ(rows, rows)
	JE(LabelRef("dwz_done"))
	Load(Param("n"), c)
	MOVQ(psrc, s)
	MOVQ(pd, d)
	Label("dwz_block")
	CMPQ(c, U8(8))
	JLE(LabelRef("dwz_last"))
	block(16, "dwz_b16")
	JMP(LabelRef("dwz_block"))
	Label("dwz_last")
	CMPQ(c, U8(0))
	JLE(LabelRef("dwz_next"))
	block(8, "dwz_b8")
	Label("dwz_next")
	ss := Load(Param("srcStride"), GP64())
	SHLQ(U8(2), ss)
	ADDQ(ss, psrc)
	ds := Load(Param("dstStride"), GP64())
	SHLQ(U8(2), ds)
	ADDQ(ds, pd)
	DECQ(rows)
	JMP(LabelRef("dwz_row"))
	Label("dwz_done")
	VZEROUPPER()
	RET()
}
