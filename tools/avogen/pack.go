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
	MOVQ(hh, X14)
	VPBROADCASTD(X14, Y14)
	MOVQ(ww, X15)
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
