package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genDepthwise emits the loops of the depthwise convolution: wsumF32, the
// weighted sum of shifted rows that computes a whole (flattened, padded)
// output plane in one call, and deint2F32, which splits a row into its
// even and odd elements for stride 2. The Go side checks every offset
// before calling.
func genDepthwise() {
	genWSum()
	genDeint2()
	genCopyRows()
}

// genCopyRows emits copyRowsF32, the strided copy of a plane's rows into
// (and out of) the padded scratch planes in one call.
func genCopyRows() {
	TEXT("copyRowsF32", NOSPLIT, "func(dst, src []float32, rows, n, dstStride, srcStride int)")
	Pragma("noescape")
	Doc("copyRowsF32 sets dst[r*dstStride+j] = src[r*srcStride+j] for r < rows, j < n.")
	pd := Load(Param("dst").Base(), GP64())
	ps := Load(Param("src").Base(), GP64())
	rows := Load(Param("rows"), GP64())
	n := Load(Param("n"), GP64())
	ds := Load(Param("dstStride"), GP64())
	ss := Load(Param("srcStride"), GP64())
	SHLQ(U8(2), ds)
	SHLQ(U8(2), ss)
	Label("cr_row")
	TESTQ(rows, rows)
	JE(LabelRef("cr_done"))
	d, s, c := GP64(), GP64(), GP64()
	MOVQ(pd, d)
	MOVQ(ps, s)
	MOVQ(n, c)
	Label("cr_loop32")
	CMPQ(c, U8(32))
	JL(LabelRef("cr_loop8"))
	for u := 0; u < 4; u++ {
		y := YMM()
		VMOVUPS(Mem{Base: s, Disp: 32 * u}, y)
		VMOVUPS(y, Mem{Base: d, Disp: 32 * u})
	}
	ADDQ(U32(128), s)
	ADDQ(U32(128), d)
	SUBQ(U8(32), c)
	JMP(LabelRef("cr_loop32"))
	Label("cr_loop8")
	CMPQ(c, U8(8))
	JL(LabelRef("cr_tail"))
	y := YMM()
	VMOVUPS(Mem{Base: s}, y)
	VMOVUPS(y, Mem{Base: d})
	ADDQ(U8(32), s)
	ADDQ(U8(32), d)
	SUBQ(U8(8), c)
	JMP(LabelRef("cr_loop8"))
	Label("cr_tail")
	TESTQ(c, c)
	JE(LabelRef("cr_next"))
	x := XMM()
	VMOVSS(Mem{Base: s}, x)
	VMOVSS(x, Mem{Base: d})
	ADDQ(U8(4), s)
	ADDQ(U8(4), d)
	DECQ(c)
	JMP(LabelRef("cr_tail"))
	Label("cr_next")
	ADDQ(ds, pd)
	ADDQ(ss, ps)
	DECQ(rows)
	JMP(LabelRef("cr_row"))
	Label("cr_done")
	VZEROUPPER()
	RET()
}

// genWSum emits wsumF32. Outputs go 32 at a time (four YMM accumulators,
// each tap one broadcast of w[t] and four FMAs with memory operands), then
// 8 at a time, then the last 1..7 with masked loads and a masked store, so
// nothing past len(dst) is read or written.
func genWSum() {
	TEXT("wsumF32", NOSPLIT, "func(dst, src []float32, offs []int32, w []float32, bias float32)")
	Pragma("noescape")
	Doc(
		"wsumF32 sets dst[i] = bias + sum over t < len(offs) of w[t]*src[offs[t]+i]",
		"for i < len(dst), accumulating the taps in order with FMA.",
	)
	n := Load(Param("dst").Len(), GP64())
	pd := Load(Param("dst").Base(), GP64())
	ps := Load(Param("src").Base(), GP64())
	po := Load(Param("offs").Base(), GP64())
	pw := Load(Param("w").Base(), GP64())
	nt := Load(Param("offs").Len(), GP64())
	bias := YMM()
	VBROADCASTSS(paramAddr("bias"), bias)

	// taps runs body(off, wt) for every tap: off the tap's element offset
	// in a register, wt the broadcast weight.
	taps := func(name string, body func(off Register, wt VecVirtual)) {
		o, wp, c := GP64(), GP64(), GP64()
		MOVQ(po, o)
		MOVQ(pw, wp)
		MOVQ(nt, c)
		TESTQ(c, c)
		JE(LabelRef(name + "_end"))
		Label(name)
		off := GP64()
		MOVLQSX(Mem{Base: o}, off)
		wt := YMM()
		VBROADCASTSS(Mem{Base: wp}, wt)
		body(off, wt)
		ADDQ(U8(4), o)
		ADDQ(U8(4), wp)
		DECQ(c)
		JNE(LabelRef(name))
		Label(name + "_end")
	}
	pass := func(name, next string, k int) {
		Label(name)
		CMPQ(n, U8(8*k))
		JL(LabelRef(next))
		acc := make([]VecVirtual, k)
		for i := range acc {
			acc[i] = YMM()
			VMOVAPS(bias, acc[i])
		}
		taps(name+"_tap", func(off Register, wt VecVirtual) {
			for i, a := range acc {
				VFMADD231PS(Mem{Base: ps, Index: off, Scale: 4, Disp: 32 * i}, wt, a)
			}
		})
		for i, a := range acc {
			VMOVUPS(a, Mem{Base: pd, Disp: 32 * i})
		}
		ADDQ(U32(32*k), pd)
		ADDQ(U32(32*k), ps)
		SUBQ(U8(8*k), n)
		JMP(LabelRef(name))
	}
	pass("wsum_loop32", "wsum_loop8", 4)
	pass("wsum_loop8", "wsum_tail", 1)

	Label("wsum_tail")
	TESTQ(n, n)
	JE(LabelRef("wsum_done"))
	masks := GLOBL("wsum_masks", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		v := uint32(0)
		if i < 8 {
			v = 0xffffffff
		}
		DATA(4*i, U32(v))
	}
	tbl, idx := GP64(), GP64()
	LEAQ(masks, tbl)
	MOVQ(U32(8), idx)
	SUBQ(n, idx)
	mask := YMM()
	VMOVDQU(Mem{Base: tbl, Index: idx, Scale: 4}, mask) // the first n lanes set
	acc := YMM()
	VMOVAPS(bias, acc)
	taps("wsum_tail_tap", func(off Register, wt VecVirtual) {
		x := YMM()
		VMASKMOVPS(Mem{Base: ps, Index: off, Scale: 4}, mask, x)
		VFMADD231PS(x, wt, acc)
	})
	VMASKMOVPS(acc, mask, Mem{Base: pd})
	Label("wsum_done")
	VZEROUPPER()
	RET()
}

// genDeint2 emits deint2F32: 16 source elements per iteration, split with
// vshufps (0x88 even, 0xdd odd, within each 128-bit lane) and put back in
// order with vpermpd 0xd8.
func genDeint2() {
	TEXT("deint2F32", NOSPLIT, "func(even, odd, src []float32)")
	Pragma("noescape")
	Doc("deint2F32 sets even[i] = src[2i] and odd[i] = src[2i+1] for i < len(src)/16*8.")
	n := Load(Param("src").Len(), GP64())
	SHRQ(U8(4), n)
	pe := Load(Param("even").Base(), GP64())
	po := Load(Param("odd").Base(), GP64())
	ps := Load(Param("src").Base(), GP64())
	Label("deint2_loop")
	TESTQ(n, n)
	JE(LabelRef("deint2_done"))
	a0, a1, e, o := YMM(), YMM(), YMM(), YMM()
	VMOVUPS(Mem{Base: ps}, a0)
	VMOVUPS(Mem{Base: ps, Disp: 32}, a1)
	VSHUFPS(U8(0x88), a1, a0, e)
	VSHUFPS(U8(0xdd), a1, a0, o)
	VPERMPD(U8(0xd8), e, e)
	VPERMPD(U8(0xd8), o, o)
	VMOVUPS(e, Mem{Base: pe})
	VMOVUPS(o, Mem{Base: po})
	ADDQ(U8(64), ps)
	ADDQ(U8(32), pe)
	ADDQ(U8(32), po)
	DECQ(n)
	JMP(LabelRef("deint2_loop"))
	Label("deint2_done")
	VZEROUPPER()
	RET()
}
