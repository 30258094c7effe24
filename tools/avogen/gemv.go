package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genGemvPanels emits gemvPanels6: one column of B against packed A panels
// (6 rows per k), the GEMM's way to finish a partial B panel of a few
// columns. A 16-wide tall micro-kernel spends a full panel on them: for a
// 7x7 image (49 columns) a quarter of the multiply-adds went to the one
// column left after three panels. Here each column costs one 8-wide FMA per
// A panel and k. Four panels at a time, two k at a time in separate
// accumulators (eight chains hide the FMA latency); the last k's load is
// masked to the panel's 6 floats, so nothing past the packed A is read.
func genGemvPanels() {
	masks := GLOBL("gemv_mask6", RODATA|NOPTR)
	for i := 0; i < 8; i++ {
		v := uint32(0)
		if i < 6 {
			v = 0xffffffff
		}
		DATA(4*i, U32(v))
	}
	TEXT("gemvPanels6", NOSPLIT, "func(kc int, a *float32, np, pstride int, b *float32, bstride int, out *float32)")
	Pragma("noescape")
	Doc(
		"gemvPanels6 sets out[8p+r] = sum over k < kc of a[p*pstride+6k+r] * b[k*bstride]",
		"for p < np, r < 6 (lanes 6 and 7 of each 8 are written, undefined); kc >= 1.",
	)
	kc := Load(Param("kc"), GP64())
	pa := Load(Param("a"), GP64())
	np := Load(Param("np"), GP64())
	ps := Load(Param("pstride"), GP64())
	pb0 := Load(Param("b"), GP64())
	bs := Load(Param("bstride"), GP64())
	po := Load(Param("out"), GP64())
	SHLQ(U8(2), ps)
	SHLQ(U8(2), bs)
	mask := YMM()
	mt := GP64()
	LEAQ(masks, mt)
	VMOVDQU(Mem{Base: mt}, mask)

	for _, group := range []int{4, 1} {
		loop, done := "gv_loop"+string(rune('0'+group)), "gv_done"+string(rune('0'+group))
		Label(loop)
		CMPQ(np, U8(group))
		JL(LabelRef(done))
		ptr := make([]Register, group)
		acc := make([]VecVirtual, 2*group)
		for i := range acc {
			acc[i] = YMM()
			VXORPS(acc[i], acc[i], acc[i])
		}
		for i := range ptr {
			ptr[i] = GP64()
			if i == 0 {
				MOVQ(pa, ptr[0])
			} else {
				LEAQ(Mem{Base: ptr[i-1], Index: ps, Scale: 1}, ptr[i])
			}
		}
		pb, n := GP64(), GP64()
		MOVQ(pb0, pb)
		MOVQ(kc, n)
		DECQ(n) // the last k is masked
		pair, single, last := "gv_pair"+string(rune('0'+group)), "gv_single"+string(rune('0'+group)), "gv_last"+string(rune('0'+group))
		Label(pair)
		CMPQ(n, U8(2))
		JL(LabelRef(single))
		b0, b1 := YMM(), YMM()
		VBROADCASTSS(Mem{Base: pb}, b0)
		VBROADCASTSS(Mem{Base: pb, Index: bs, Scale: 1}, b1)
		for i := range ptr {
			VFMADD231PS(Mem{Base: ptr[i]}, b0, acc[i])
			VFMADD231PS(Mem{Base: ptr[i], Disp: 24}, b1, acc[group+i])
			ADDQ(U8(48), ptr[i])
		}
		LEAQ(Mem{Base: pb, Index: bs, Scale: 2}, pb)
		SUBQ(U8(2), n)
		JMP(LabelRef(pair))
		Label(single)
		TESTQ(n, n)
		JE(LabelRef(last))
		b2 := YMM()
		VBROADCASTSS(Mem{Base: pb}, b2)
		for i := range ptr {
			VFMADD231PS(Mem{Base: ptr[i]}, b2, acc[i])
			ADDQ(U8(24), ptr[i])
		}
		ADDQ(bs, pb)
		Label(last)
		b3 := YMM()
		VBROADCASTSS(Mem{Base: pb}, b3)
		for i := range ptr {
			t := YMM()
			VMASKMOVPS(Mem{Base: ptr[i]}, mask, t)
			VFMADD231PS(t, b3, acc[group+i])
			VADDPS(acc[group+i], acc[i], acc[i])
			VMOVUPS(acc[i], Mem{Base: po, Disp: 32 * i})
		}
		ADDQ(U8(32*group), po)
		for i := 0; i < group; i++ {
			ADDQ(ps, pa)
		}
		SUBQ(U8(group), np)
		JMP(LabelRef(loop))
		Label(done)
	}
	VZEROUPPER()
	RET()
}
