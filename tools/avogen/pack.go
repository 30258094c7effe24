package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genPack emits the B-panel packing loops of the convolution (im2col read
// straight into 16-wide panels). The Go side checks every offset range
// before calling.
func genPack() {
	genPackRowsN()
	TEXT("packRows16", NOSPLIT, "func(dst, src []float32, offs []int32)")
	Pragma("noescape")
	Doc("packRows16 sets dst[16k:16k+16] = src[offs[k]:offs[k]+16] for k < len(offs).")
	n := Load(Param("offs").Len(), GP64())
	pd := Load(Param("dst").Base(), GP64())
	ps := Load(Param("src").Base(), GP64())
	po := Load(Param("offs").Base(), GP64())
	Label("pr_loop2")
	CMPQ(n, U8(2))
	JL(LabelRef("pr_tail"))
	for u := 0; u < 2; u++ {
		t := GP64()
		MOVLQSX(Mem{Base: po, Disp: 4 * u}, t)
		y0, y1 := YMM(), YMM()
		VMOVUPS(Mem{Base: ps, Index: t, Scale: 4}, y0)
		VMOVUPS(Mem{Base: ps, Index: t, Scale: 4, Disp: 32}, y1)
		VMOVUPS(y0, Mem{Base: pd, Disp: 64 * u})
		VMOVUPS(y1, Mem{Base: pd, Disp: 64*u + 32})
	}
	ADDQ(U8(8), po)
	ADDQ(U32(128), pd)
	SUBQ(U8(2), n)
	JMP(LabelRef("pr_loop2"))
	Label("pr_tail")
	TESTQ(n, n)
	JE(LabelRef("pr_done"))
	t := GP64()
	MOVLQSX(Mem{Base: po}, t)
	y0, y1 := YMM(), YMM()
	VMOVUPS(Mem{Base: ps, Index: t, Scale: 4}, y0)
	VMOVUPS(Mem{Base: ps, Index: t, Scale: 4, Disp: 32}, y1)
	VMOVUPS(y0, Mem{Base: pd})
	VMOVUPS(y1, Mem{Base: pd, Disp: 32})
	Label("pr_done")
	VZEROUPPER()
	RET()

	genPackRowsMasked()

	TEXT("gatherMasked16", NOSPLIT, "func(dst, src []float32, cols *[48]int32, kOff, kDY, kDX []int32, h, w int)")
	Pragma("noescape")
	Doc(
		"gatherMasked16 packs one 16-column im2col panel: with iy = cols[c]+kDY[k],",
		"ix = cols[16+c]+kDX[k], dst[16k+c] = src[cols[32+c]+kOff[k]] when 0 <= iy < h",
		"and 0 <= ix < w, else 0, for k < len(kOff). Masked-off lanes are not read.",
	)
	n = Load(Param("kOff").Len(), GP64())
	pd = Load(Param("dst").Base(), GP64())
	ps = Load(Param("src").Base(), GP64())
	po = Load(Param("kOff").Base(), GP64())
	py := Load(Param("kDY").Base(), GP64())
	px := Load(Param("kDX").Base(), GP64())
	pc := Load(Param("cols"), GP64())
	for i, y := range []VecPhysical{Y8, Y9, Y10, Y11, Y12, Y13} {
		VMOVDQU(Mem{Base: pc, Disp: 32 * i}, y)
	}
	hh := Load(Param("h"), GP64())
	ww := Load(Param("w"), GP64())
	VMOVQ(hh, X14)
	VPBROADCASTD(X14, Y14)
	VMOVQ(ww, X15)
	VPBROADCASTD(X15, Y15)
	VPCMPEQD(Y7, Y7, Y7) // -1 in every lane
	Label("gm_loop")
	TESTQ(n, n)
	JE(LabelRef("gm_done"))
	VPBROADCASTD(Mem{Base: py}, Y0)
	VPBROADCASTD(Mem{Base: px}, Y1)
	VPBROADCASTD(Mem{Base: po}, Y2)
	for half := 0; half < 2; half++ {
		iy, ix, off := []VecPhysical{Y8, Y9}[half], []VecPhysical{Y10, Y11}[half], []VecPhysical{Y12, Y13}[half]
		VPADDD(Y0, iy, Y3)
		VPADDD(Y1, ix, Y4)
		VPCMPGTD(Y7, Y3, Y5)  // iy > -1
		VPCMPGTD(Y3, Y14, Y6) // h > iy
		VPAND(Y6, Y5, Y5)
		VPCMPGTD(Y7, Y4, Y6) // ix > -1
		VPAND(Y6, Y5, Y5)
		VPCMPGTD(Y4, Y15, Y6) // w > ix
		VPAND(Y6, Y5, Y5)
		VPADDD(Y2, off, Y3)
		VXORPS(Y4, Y4, Y4)
		VGATHERDPS(Y5, Mem{Base: ps, Index: Y3, Scale: 4}, Y4)
		VMOVUPS(Y4, Mem{Base: pd, Disp: 32 * half})
	}
	ADDQ(U8(4), po)
	ADDQ(U8(4), py)
	ADDQ(U8(4), px)
	ADDQ(U8(64), pd)
	DECQ(n)
	JMP(LabelRef("gm_loop"))
	Label("gm_done")
	VZEROUPPER()
	RET()
}

// genPackRowsMasked emits packRowsMasked16: the panel of 16 consecutive
// output columns of one output row (unit column stride) near the image
// border. Per k, a tap row wholly outside the image stores zeros, else two
// plain loads bring the 16 columns and a mask clears those outside the
// image (the caller guarantees that all 16 lie inside src). VMASKMOVPS
// would not need that guarantee, but on Zen 3 it ran at ~90 ns per k, 25x
// slower.
func genPackRowsMasked() {
	TEXT("packRowsMasked16", NOSPLIT, "func(dst, src []float32, kOff, kDY, kDX []int32, base, iy0, ix0, h, w int)")
	Pragma("noescape")
	Doc(
		"packRowsMasked16 sets, for k < len(kOff) and c < 16, dst[16k+c] =",
		"src[base+kOff[k]+c] when 0 <= iy0+kDY[k] < h and 0 <= ix0+kDX[k]+c < w, else 0.",
		"It reads all of src[base+kOff[k] : base+kOff[k]+16] for each k whose row is inside.",
	)
	lanes := GLOBL("pack_lanes", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, U32(uint32(i)))
	}
	n := Load(Param("kOff").Len(), GP64())
	pd := Load(Param("dst").Base(), GP64())
	ps := Load(Param("src").Base(), GP64())
	po := Load(Param("kOff").Base(), GP64())
	py := Load(Param("kDY").Base(), GP64())
	px := Load(Param("kDX").Base(), GP64())
	base := Load(Param("base"), GP64())
	iy0 := Load(Param("iy0"), GP64())
	ix0 := Load(Param("ix0"), GP64())
	h := Load(Param("h"), GP64())
	w := Load(Param("w"), GP64())
	l0, l1 := YMM(), YMM()
	VMOVDQU(lanes.Offset(0), l0)
	VMOVDQU(lanes.Offset(32), l1)
	zero := YMM()
	VXORPS(zero, zero, zero)
	Label("prm_loop")
	TESTQ(n, n)
	JE(LabelRef("prm_done"))
	iy := GP64()
	MOVLQSX(Mem{Base: py}, iy)
	ADDQ(iy0, iy)
	CMPQ(iy, h)
	JAE(LabelRef("prm_zero")) // unsigned: also iy < 0
	t, lo, hi := GP64(), GP64(), GP64()
	MOVLQSX(Mem{Base: px}, t)
	ADDQ(ix0, t) // first column's ix
	MOVQ(U64(0xffffffffffffffff), lo)
	SUBQ(t, lo) // lane c valid iff c > -1-t
	MOVQ(w, hi)
	SUBQ(t, hi) // and c < w-t
	xl, xh := XMM(), XMM()
	VMOVQ(lo, xl)
	VMOVQ(hi, xh)
	bl, bh := YMM(), YMM()
	VPBROADCASTD(xl, bl)
	VPBROADCASTD(xh, bh)
	a := GP64()
	MOVLQSX(Mem{Base: po}, a)
	ADDQ(base, a)
	for half, ln := range []VecVirtual{l0, l1} {
		m, m2, v := YMM(), YMM(), YMM()
		VPCMPGTD(bl, ln, m)  // c > -1-t
		VPCMPGTD(ln, bh, m2) // w-t > c
		VPAND(m2, m, m)
		VANDPS(Mem{Base: ps, Index: a, Scale: 4, Disp: 32 * half}, m, v)
		VMOVUPS(v, Mem{Base: pd, Disp: 32 * half})
	}
	JMP(LabelRef("prm_next"))
	Label("prm_zero")
	VMOVUPS(zero, Mem{Base: pd})
	VMOVUPS(zero, Mem{Base: pd, Disp: 32})
	Label("prm_next")
	ADDQ(U8(4), po)
	ADDQ(U8(4), py)
	ADDQ(U8(4), px)
	ADDQ(U8(64), pd)
	DECQ(n)
	JMP(LabelRef("prm_loop"))
	Label("prm_done")
	VZEROUPPER()
	RET()
}

// genPackRowsN emits packRowsN16, packRows16 for several consecutive
// panels at once: each source row's 16*panels elements are read in one
// sweep (whole cache lines) and scattered to the panels. Panel by panel,
// the rows of a 112- or 224-wide image (a multiple of 4 KiB apart) fall in
// the same L1 sets and each line was fetched again for every panel.
func genPackRowsN() {
	TEXT("packRowsN16", NOSPLIT, "func(dst, src []float32, offs []int32, panels, panelStride int)")
	Pragma("noescape")
	Doc("packRowsN16 sets dst[p*panelStride+16k+c] = src[offs[k]+16p+c] for k < len(offs), p < panels, c < 16.")
	n := Load(Param("offs").Len(), GP64())
	pd := Load(Param("dst").Base(), GP64())
	ps := Load(Param("src").Base(), GP64())
	po := Load(Param("offs").Base(), GP64())
	stride := Load(Param("panelStride"), GP64())
	SHLQ(U8(2), stride)
	Label("prn_row")
	TESTQ(n, n)
	JE(LabelRef("prn_done"))
	t, s, d := GP64(), GP64(), GP64()
	MOVLQSX(Mem{Base: po}, t)
	LEAQ(Mem{Base: ps, Index: t, Scale: 4}, s)
	MOVQ(pd, d)
	c := Load(Param("panels"), GP64())
	Label("prn_panel")
	TESTQ(c, c)
	JE(LabelRef("prn_next"))
	y0, y1 := YMM(), YMM()
	VMOVUPS(Mem{Base: s}, y0)
	VMOVUPS(Mem{Base: s, Disp: 32}, y1)
	VMOVUPS(y0, Mem{Base: d})
	VMOVUPS(y1, Mem{Base: d, Disp: 32})
	ADDQ(U8(64), s)
	ADDQ(stride, d)
	DECQ(c)
	JMP(LabelRef("prn_panel"))
	Label("prn_next")
	ADDQ(U8(4), po)
	ADDQ(U8(64), pd)
	DECQ(n)
	JMP(LabelRef("prn_row"))
	Label("prn_done")
	VZEROUPPER()
	RET()
}
