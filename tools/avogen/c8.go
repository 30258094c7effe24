package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genC8 emits the channel-interleaved depthwise convolution: packC8F32
// and unpackC8F32 move 8 planes into and out of a layout with the 8
// channels of a position side by side (one YMM), and dwc8s1F32 and
// dwc8s2F32 compute rows of output positions in that layout, for column
// stride 1 and 2. In it a tap is one vector load and one FMA per position
// whatever the stride, the weights are vectors (one lane per channel), and
// the padding is the scratch's zero border: no per-plane copies, passes or
// calls (runtime/kernels/conv_dw.go).
func genC8() {
	masks := GLOBL("c8_masks", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		v := uint32(0)
		if i < 8 {
			v = 0xffffffff
		}
		DATA(4*i, U32(v))
	}
	genPackC8(masks)
	genUnpackC8(masks)
	for _, step := range []int{1, 2} {
		genDWC8(step)
	}
	for _, step := range []int{1, 2} {
		genConvC16(step)
	}
}

// firstLanes loads a mask with the first c (1..7) lanes set.
func firstLanes(masks Mem, c Register) VecVirtual {
	tbl, idx := GP64(), GP64()
	LEAQ(masks, tbl)
	MOVQ(U32(8), idx)
	SUBQ(c, idx)
	m := YMM()
	VMOVDQU(Mem{Base: tbl, Index: idx, Scale: 4}, m)
	return m
}

// planeAddrs returns the addresses of lane l's plane, base + l*ps for
// l < 8, with ps and ps3 = 3*ps in bytes; q is a scratch register.
func planeAddrs(base, ps, ps3, q Register) [8]Mem {
	return [8]Mem{
		{Base: base}, {Base: base, Index: ps, Scale: 1}, {Base: base, Index: ps, Scale: 2}, {Base: base, Index: ps3, Scale: 1},
		{Base: q}, {Base: q, Index: ps, Scale: 1}, {Base: q, Index: ps, Scale: 2}, {Base: q, Index: ps3, Scale: 1},
	}
}

// transpose8 transposes the 8x8 matrix whose rows are r (row i in r[i]),
// in place: 8 unpacks, 8 shuffles and 8 lane permutes.
func transpose8(r []VecVirtual) {
	t := make([]VecVirtual, 8)
	for i := 0; i < 4; i++ {
		t[2*i], t[2*i+1] = YMM(), YMM()
		VUNPCKLPS(r[2*i+1], r[2*i], t[2*i])   // a0 b0 a1 b1 | a4 b4 a5 b5
		VUNPCKHPS(r[2*i+1], r[2*i], t[2*i+1]) // a2 b2 a3 b3 | a6 b6 a7 b7
	}
	s := make([]VecVirtual, 8)
	for h := 0; h < 2; h++ { // rows 0-3, then 4-7
		lo, hi := t[4*h:4*h+2], t[4*h+2:4*h+4]
		for k := 0; k < 2; k++ {
			s[4*h+2*k], s[4*h+2*k+1] = YMM(), YMM()
			VSHUFPS(U8(0x44), hi[k], lo[k], s[4*h+2*k])   // a(2k) b(2k) c(2k) d(2k) | ...
			VSHUFPS(U8(0xee), hi[k], lo[k], s[4*h+2*k+1]) // a(2k+1) ... | ...
		}
	}
	for i := 0; i < 4; i++ {
		VPERM2F128(U8(0x20), s[4+i], s[i], r[i])
		VPERM2F128(U8(0x31), s[4+i], s[i], r[4+i])
	}
}

func c8Strides() (ds, ss, ps, ps3 Register) {
	ds = Load(Param("dstStride"), GP64())
	ss = Load(Param("srcStride"), GP64())
	ps = Load(Param("planeStride"), GP64())
	SHLQ(U8(2), ds)
	SHLQ(U8(2), ss)
	SHLQ(U8(2), ps)
	ps3 = GP64()
	LEAQ(Mem{Base: ps, Index: ps, Scale: 2}, ps3)
	return
}

// genPackC8 emits packC8F32: per row, 8 columns of the 8 planes at a time
// (8 loads, a transpose, 8 stores of a position's 8 channels), then the
// last 1..7 columns with masked loads.
func genPackC8(masks Mem) {
	TEXT("packC8F32", NOSPLIT, "func(dst, src []float32, rows, n, dstStride, srcStride, planeStride int)")
	Pragma("noescape")
	Doc("packC8F32 sets dst[r*dstStride+8*j+l] = src[l*planeStride+r*srcStride+j] for r < rows, j < n, l < 8.")
	pd := Load(Param("dst").Base(), GP64())
	psrc := Load(Param("src").Base(), GP64())
	rows := Load(Param("rows"), GP64())
	ds, ss, ps, ps3 := c8Strides()
	Label("pc8_row")
	TESTQ(rows, rows)
	JE(LabelRef("pc8_done"))
	s, d, q := GP64(), GP64(), GP64()
	c := Load(Param("n"), GP64())
	MOVQ(psrc, s)
	MOVQ(pd, d)
	Label("pc8_loop")
	CMPQ(c, U8(8))
	JL(LabelRef("pc8_tail"))
	LEAQ(Mem{Base: s, Index: ps, Scale: 4}, q)
	r := make([]VecVirtual, 8)
	for l, m := range planeAddrs(s, ps, ps3, q) {
		r[l] = YMM()
		VMOVUPS(m, r[l])
	}
	transpose8(r)
	for j := range r {
		VMOVUPS(r[j], Mem{Base: d, Disp: 32 * j})
	}
	ADDQ(U8(32), s)
	ADDQ(U32(256), d)
	SUBQ(U8(8), c)
	JMP(LabelRef("pc8_loop"))

	Label("pc8_tail")
	TESTQ(c, c)
	JE(LabelRef("pc8_next"))
	mask := firstLanes(masks, c)
	LEAQ(Mem{Base: s, Index: ps, Scale: 4}, q)
	for l, m := range planeAddrs(s, ps, ps3, q) {
		r[l] = YMM()
		VMASKMOVPS(m, mask, r[l])
	}
	transpose8(r)
	for j := 0; j < 7; j++ {
		VMOVUPS(r[j], Mem{Base: d, Disp: 32 * j})
		if j < 6 {
			CMPQ(c, U8(j+1))
			JE(LabelRef("pc8_next"))
		}
	}
	Label("pc8_next")
	ADDQ(ss, psrc)
	ADDQ(ds, pd)
	DECQ(rows)
	JMP(LabelRef("pc8_row"))
	Label("pc8_done")
	VZEROUPPER()
	RET()
}

// genUnpackC8 emits unpackC8F32, packC8F32's inverse: 8 positions at a
// time (8 loads of a position's channels, a transpose, 8 stores into the
// planes), then the last 1..7 positions, loaded one by one and stored
// with masked stores.
func genUnpackC8(masks Mem) {
	TEXT("unpackC8F32", NOSPLIT, "func(dst, src []float32, rows, n, dstStride, srcStride, planeStride int)")
	Pragma("noescape")
	Doc("unpackC8F32 sets dst[l*planeStride+r*dstStride+j] = src[r*srcStride+8*j+l] for r < rows, j < n, l < 8.")
	pd := Load(Param("dst").Base(), GP64())
	psrc := Load(Param("src").Base(), GP64())
	rows := Load(Param("rows"), GP64())
	ds, ss, ps, ps3 := c8Strides()
	Label("uc8_row")
	TESTQ(rows, rows)
	JE(LabelRef("uc8_done"))
	s, d, q := GP64(), GP64(), GP64()
	c := Load(Param("n"), GP64())
	MOVQ(psrc, s)
	MOVQ(pd, d)
	Label("uc8_loop")
	CMPQ(c, U8(8))
	JL(LabelRef("uc8_tail"))
	r := make([]VecVirtual, 8)
	for j := range r {
		r[j] = YMM()
		VMOVUPS(Mem{Base: s, Disp: 32 * j}, r[j])
	}
	transpose8(r)
	LEAQ(Mem{Base: d, Index: ps, Scale: 4}, q)
	for l, m := range planeAddrs(d, ps, ps3, q) {
		VMOVUPS(r[l], m)
	}
	ADDQ(U32(256), s)
	ADDQ(U8(32), d)
	SUBQ(U8(8), c)
	JMP(LabelRef("uc8_loop"))

	Label("uc8_tail")
	TESTQ(c, c)
	JE(LabelRef("uc8_next"))
	for j := range r {
		r[j] = YMM()
		VXORPS(r[j], r[j], r[j])
	}
	for j := 0; j < 7; j++ {
		VMOVUPS(Mem{Base: s, Disp: 32 * j}, r[j])
		if j < 6 {
			CMPQ(c, U8(j+1))
			JE(LabelRef("uc8_tail_t"))
		}
	}
	Label("uc8_tail_t")
	transpose8(r)
	mask := firstLanes(masks, c)
	LEAQ(Mem{Base: d, Index: ps, Scale: 4}, q)
	for l, m := range planeAddrs(d, ps, ps3, q) {
		VMASKMOVPS(r[l], mask, m)
	}
	Label("uc8_next")
	ADDQ(ss, psrc)
	ADDQ(ds, pd)
	DECQ(rows)
	JMP(LabelRef("uc8_row"))
	Label("uc8_done")
	VZEROUPPER()
	RET()
}

// genDWC8 emits dwc8s<step>F32: per row, 8 output positions at a time in
// 8 accumulators (each tap one weight vector and 8 FMAs with memory
// operands, positions 32*step bytes apart), each clamped to [lo, hi] (NaN
// staying NaN) and stored; n is rounded up to a multiple of 8.
func genDWC8(step int) {
	name := fmt.Sprintf("dwc8s%dF32", step)
	TEXT(name, NOSPLIT, "func(dst, src []float32, offs []int32, w, bias []float32, rows, n, dstStride, srcStride int, lo, hi float32)")
	Pragma("noescape")
	Doc(
		name+" sets dst[r*dstStride+8*j+l] = min(max(bias[l] + sum over t of",
		fmt.Sprintf("w[8*t+l]*src[r*srcStride+offs[t]+%d*j+l], lo), hi) for r < rows, l < 8 and", 8*step),
		"j < n rounded up to a multiple of 8, adding the taps in order with FMA.",
	)
	pd := Load(Param("dst").Base(), GP64())
	psrc := Load(Param("src").Base(), GP64())
	po := Load(Param("offs").Base(), GP64())
	pw := Load(Param("w").Base(), GP64())
	rows := Load(Param("rows"), GP64())
	lo, hi := YMM(), YMM()
	VBROADCASTSS(paramAddr("lo"), lo)
	VBROADCASTSS(paramAddr("hi"), hi)
	pfx := fmt.Sprintf("dw%d_", step)
	Label(pfx + "row")
	TESTQ(rows, rows)
	JE(LabelRef(pfx + "done"))
	s, d := GP64(), GP64()
	c := Load(Param("n"), GP64())
	MOVQ(psrc, s)
	MOVQ(pd, d)
	// Whole blocks of 8 positions only: a block of fewer would leave the
	// FMA units waiting on its accumulators' latency (9 dependent FMAs
	// per position for 3x3), so the last block computes up to 7
	// positions past n, which the caller leaves room for.
	lbl := pfx + "loop8"
	Label(lbl)
	CMPQ(c, U8(0))
	JLE(LabelRef(pfx + "next"))
	acc := make([]VecVirtual, 8)
	pb := Load(Param("bias").Base(), GP64())
	for i := range acc {
		acc[i] = YMM()
		VMOVUPS(Mem{Base: pb}, acc[i])
	}
	t, off, wp := GP64(), GP64(), GP64()
	XORQ(t, t)
	MOVQ(pw, wp)
	CMPQ(t, paramLen("offs"))
	JGE(LabelRef(lbl + "_end"))
	Label(lbl + "_tap")
	MOVLQSX(Mem{Base: po, Index: t, Scale: 4}, off)
	wt := YMM()
	VMOVUPS(Mem{Base: wp}, wt)
	for i, a := range acc {
		VFMADD231PS(Mem{Base: s, Index: off, Scale: 4, Disp: 32 * step * i}, wt, a)
	}
	ADDQ(U8(32), wp)
	INCQ(t)
	CMPQ(t, paramLen("offs"))
	JL(LabelRef(lbl + "_tap"))
	Label(lbl + "_end")
	for i, a := range acc {
		VMAXPS(a, lo, a)
		VMINPS(a, hi, a)
		VMOVUPS(a, Mem{Base: d, Disp: 32 * i})
	}
	ADDQ(U32(32*step*8), s)
	ADDQ(U32(32*8), d)
	SUBQ(U8(8), c)
	JMP(LabelRef(lbl))
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

// paramLen is the stack address of slice parameter name's length.
func paramLen(name string) Mem {
	b, err := Param(name).Len().Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// convP is how many output positions convc16 computes per block.
const convP = 6

// genConvC16 emits convc16s<step>F32, the direct convolution of an image
// with few input channels (a network's first layer): 16 output channels
// (two vectors of 8) for convP positions per block, each tap two weight
// vectors and one broadcast input element per position, so nothing is
// packed and no multiply is spent on im2col's layout. Its output goes to
// two interleaved-8 blocks, groupStride apart, for UnpackC8.
func genConvC16(step int) {
	name := fmt.Sprintf("convc16s%dF32", step)
	TEXT(name, NOSPLIT, "func(dst, src []float32, offs []int32, w, bias []float32, rows, n, dstStride, srcStride, groupStride int, lo, hi float32)")
	Pragma("noescape")
	Doc(
		name+" sets dst[g*groupStride+r*dstStride+8*j+l] = min(max(bias[8*g+l] + sum",
		fmt.Sprintf("over t of w[16*t+8*g+l]*src[r*srcStride+offs[t]+%d*j], lo), hi) for g < 2, l < 8,", step),
		fmt.Sprintf("r < rows and j < n rounded up to a multiple of %d, adding the taps in order with FMA.", convP),
	)
	pd := Load(Param("dst").Base(), GP64())
	psrc := Load(Param("src").Base(), GP64())
	po := Load(Param("offs").Base(), GP64())
	pw := Load(Param("w").Base(), GP64())
	rows := Load(Param("rows"), GP64())
	gs := Load(Param("groupStride"), GP64())
	SHLQ(U8(2), gs)
	pfx := fmt.Sprintf("cv%d_", step)
	Label(pfx + "row")
	TESTQ(rows, rows)
	JE(LabelRef(pfx + "done"))
	s, d := GP64(), GP64()
	c := Load(Param("n"), GP64())
	MOVQ(psrc, s)
	MOVQ(pd, d)
	Label(pfx + "block")
	CMPQ(c, U8(0))
	JLE(LabelRef(pfx + "next"))
	acc := make([][2]VecVirtual, convP)
	pb := Load(Param("bias").Base(), GP64())
	for p := range acc {
		for g := 0; g < 2; g++ {
			acc[p][g] = YMM()
			VMOVUPS(Mem{Base: pb, Disp: 32 * g}, acc[p][g])
		}
	}
	// Taps three at a time (a kernel row of 3), then one at a time: the
	// loop's own instructions would otherwise take a quarter of the issue
	// slots.
	t, off, wp, nt := GP64(), GP64(), GP64(), GP64()
	XORQ(t, t)
	MOVQ(pw, wp)
	tap := func(u int) {
		MOVLQSX(Mem{Base: po, Index: t, Scale: 4, Disp: 4 * u}, off)
		w0, w1 := YMM(), YMM()
		VMOVUPS(Mem{Base: wp, Disp: 64 * u}, w0)
		VMOVUPS(Mem{Base: wp, Disp: 64*u + 32}, w1)
		for p := range acc {
			b := YMM()
			VBROADCASTSS(Mem{Base: s, Index: off, Scale: 4, Disp: 4 * step * p}, b)
			VFMADD231PS(b, w0, acc[p][0])
			VFMADD231PS(b, w1, acc[p][1])
		}
	}
	MOVQ(paramLen("offs"), nt)
	SUBQ(U8(2), nt) // t+3 <= len(offs)
	Label(pfx + "tap3")
	CMPQ(t, nt)
	JGE(LabelRef(pfx + "tap1"))
	for u := 0; u < 3; u++ {
		tap(u)
	}
	ADDQ(U8(192), wp)
	ADDQ(U8(3), t)
	JMP(LabelRef(pfx + "tap3"))
	Label(pfx + "tap1")
	CMPQ(t, paramLen("offs"))
	JGE(LabelRef(pfx + "tap_end"))
	tap(0)
	ADDQ(U8(64), wp)
	INCQ(t)
	JMP(LabelRef(pfx + "tap1"))
	Label(pfx + "tap_end")
	for g := 0; g < 2; g++ {
		bound := YMM()
		VBROADCASTSS(paramAddr("lo"), bound)
		for p := range acc {
			VMAXPS(acc[p][g], bound, acc[p][g])
		}
		VBROADCASTSS(paramAddr("hi"), bound)
		for p := range acc {
			VMINPS(acc[p][g], bound, acc[p][g])
		}
	}
	for p := range acc {
		VMOVUPS(acc[p][0], Mem{Base: d, Disp: 32 * p})
		VMOVUPS(acc[p][1], Mem{Base: d, Index: gs, Scale: 1, Disp: 32 * p})
	}
	ADDQ(U32(4*step*convP), s)
	ADDQ(U32(32*convP), d)
	SUBQ(U8(convP), c)
	JMP(LabelRef(pfx + "block"))
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
