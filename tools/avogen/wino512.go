package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Winograd F(2x2, 3x3)'s transforms for the AVX-512 tier, 16 tiles of a
// tile row per iteration (runtime/kernels/conv_wino.go). The map-based
// transforms make some 50 short vector calls per tile row and channel;
// these do one call, every intermediate in registers. They add and
// subtract in the order the map-based ones do, so results agree bit for
// bit.

func genWino512() {
	idx := GLOBL("wino_idx", RODATA|NOPTR)
	// even, odd: deinterleave two ZMM; lo, hi: interleave two ZMM.
	// (The assembler wants DATA in increasing offsets.)
	for v, f := range []func(i int) int{
		func(i int) int { return 2 * i },
		func(i int) int { return 2*i + 1 },
		func(i int) int { return i/2 + 16*(i%2) },
		func(i int) int { return 8 + i/2 + 16*(i%2) },
	} {
		for i := 0; i < 16; i++ {
			DATA(64*v+4*i, U32(uint32(f(i))))
		}
	}
	genWinoIn(idx)
	genWinoOut(idx)
}

// genWinoIn emits winoInZ: from 4 rows of a zero-padded plane (src, row
// stride wp floats), the 16 transformed values V = B'dB of tw tiles, value
// q of tile t stored at v[q*vstride+t].
func genWinoIn(idx Mem) {
	TEXT("winoInZ", NOSPLIT, "func(v *float32, vstride int, src *float32, wp, tw int)")
	Pragma("noescape")
	Doc(
		"winoInZ transforms tw Winograd input tiles: tile t is the 4x4 block of the",
		"rows src[i*wp:] (i < 4) from column 2t; its 16 values go to v[q*vstride+t].",
		"It reads up to 34 floats past column 2t of each row (past the plane's end",
		"for the last tiles: the caller leaves slack there).",
	)
	pv := Load(Param("v"), GP64())
	vs := Load(Param("vstride"), GP64())
	SHLQ(U8(2), vs)
	ps := Load(Param("src"), GP64())
	wp := Load(Param("wp"), GP64())
	SHLQ(U8(2), wp)
	n := Load(Param("tw"), GP64())
	even, odd := Z30, Z31
	VMOVUPS(idx, even)
	VMOVUPS(idx.Offset(64), odd)

	// r[i][nu]: the rows of d*B for input row i.
	var r [4][4]VecPhysical
	regs := []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15}
	for i := 0; i < 4; i++ {
		for nu := 0; nu < 4; nu++ {
			r[i][nu] = regs[4*i+nu]
		}
	}
	a, b, a1, b1 := Z16, Z17, Z18, Z19
	e0, o0, e1, o1 := Z20, Z21, Z22, Z23
	out := Z24
	row, dst := GP64(), GP64()
	block := func(masked bool) {
		MOVQ(ps, row)
		for i := 0; i < 4; i++ {
			VMOVUPS(Mem{Base: row}, a)
			VMOVUPS(Mem{Base: row, Disp: 64}, b)
			VMOVUPS(Mem{Base: row, Disp: 8}, a1)
			VMOVUPS(Mem{Base: row, Disp: 72}, b1)
			VMOVAPS(even, e0)
			VPERMI2PS(b, a, e0) // d[i][2t]
			VMOVAPS(odd, o0)
			VPERMI2PS(b, a, o0) // d[i][2t+1]
			VMOVAPS(even, e1)
			VPERMI2PS(b1, a1, e1) // d[i][2t+2]
			VMOVAPS(odd, o1)
			VPERMI2PS(b1, a1, o1) // d[i][2t+3]
			VSUBPS(e1, e0, r[i][0])
			VADDPS(e1, o0, r[i][1])
			VSUBPS(o0, e1, r[i][2])
			VSUBPS(o1, o0, r[i][3])
			if i < 3 {
				ADDQ(wp, row)
			}
		}
		store := func(z VecPhysical) {
			if masked {
				VMOVUPS(z, K1, Mem{Base: dst})
			} else {
				VMOVUPS(z, Mem{Base: dst})
			}
		}
		// v[xi][nu] at q = xi*4+nu; walk the 16 outputs in q order.
		MOVQ(pv, dst)
		for xi := 0; xi < 4; xi++ {
			for nu := 0; nu < 4; nu++ {
				switch xi {
				case 0:
					VSUBPS(r[2][nu], r[0][nu], out)
				case 1:
					VADDPS(r[2][nu], r[1][nu], out)
				case 2:
					VSUBPS(r[1][nu], r[2][nu], out)
				case 3:
					VSUBPS(r[3][nu], r[1][nu], out)
				}
				store(out)
				if xi*4+nu < 15 {
					ADDQ(vs, dst)
				}
			}
		}
	}
	Label("winoin_loop")
	CMPQ(n, U8(16))
	JL(LabelRef("winoin_tail"))
	block(false)
	ADDQ(U32(128), ps)
	ADDQ(U32(64), pv)
	SUBQ(U8(16), n)
	JMP(LabelRef("winoin_loop"))

	Label("winoin_tail")
	TESTQ(n, n)
	JE(LabelRef("winoin_done"))
	m, one := GP64(), GP64()
	MOVQ(U32(1), one)
	SHLXQ(n, one, m)
	DECQ(m)
	KMOVW(m.As32(), K1)
	block(true)
	Label("winoin_done")
	VZEROUPPER()
	RET()
}

// genWinoOut emits winoOutZ: the inverse transform A'mA of tw tiles into
// output rows y (and y[ow:] when rows is 2), plus bias, clamped to
// [lo, hi] (NaN staying NaN).
func genWinoOut(idx Mem) {
	TEXT("winoOutZ", NOSPLIT, "func(y *float32, ow, rows int, m *float32, mstride, tw int, bias, lo, hi float32)")
	Pragma("noescape")
	Doc(
		"winoOutZ transforms tw Winograd output tiles back: value q of tile t is",
		"m[q*mstride+t]; output row r < rows of the tile row is y[r*ow:], columns",
		"2t and 2t+1 (those below ow), each plus bias, clamped to [lo, hi].",
	)
	py := Load(Param("y"), GP64())
	ow := Load(Param("ow"), GP64())
	rows := Load(Param("rows"), GP64())
	pm := Load(Param("m"), GP64())
	ms := Load(Param("mstride"), GP64())
	SHLQ(U8(2), ms)
	n := Load(Param("tw"), GP64())
	bias, lo, hi := Z26, Z27, Z28
	VBROADCASTSS(paramAddr("bias"), bias)
	VBROADCASTSS(paramAddr("lo"), lo)
	VBROADCASTSS(paramAddr("hi"), hi)
	ilo, ihi := Z29, Z30
	VMOVUPS(idx.Offset(128), ilo)
	VMOVUPS(idx.Offset(192), ihi)
	rem := GP64() // outputs left in a row
	MOVQ(ow, rem)
	SHLQ(U8(2), ow)

	mv := []VecPhysical{Z0, Z1, Z2, Z3}
	s0 := []VecPhysical{Z4, Z5, Z6, Z7}
	s1 := []VecPhysical{Z8, Z9, Z10, Z11}
	y00, y01, y10, y11 := Z12, Z13, Z14, Z15
	t0, t1 := Z16, Z17
	src := GP64()
	sixteen, one, mk := GP64(), GP64(), GP64()
	MOVQ(U32(16), sixteen)
	MOVQ(U32(1), one)

	block := func(masked bool) {
		MOVQ(pm, src)
		for xi := 0; xi < 4; xi++ {
			for nu := 0; nu < 4; nu++ {
				if masked {
					VMOVUPS_Z(Mem{Base: src}, K1, mv[nu])
				} else {
					VMOVUPS(Mem{Base: src}, mv[nu])
				}
				if xi*4+nu < 15 {
					ADDQ(ms, src)
				}
			}
			VADDPS(mv[1], mv[0], s0[xi])
			VADDPS(mv[2], s0[xi], s0[xi]) // (m0+m1)+m2
			VSUBPS(mv[2], mv[1], s1[xi])
			VSUBPS(mv[3], s1[xi], s1[xi]) // (m1-m2)-m3
		}
		// Even output columns from s0, odd ones from s1: row 0 is
		// (s[0]+s[1])+s[2], row 1 (s[1]-s[3])-s[2].
		for _, c := range []struct {
			s      []VecPhysical
			r0, r1 VecPhysical
		}{{s0, y00, y10}, {s1, y01, y11}} {
			VADDPS(c.s[1], c.s[0], c.r0)
			VADDPS(c.s[2], c.r0, c.r0)
			VSUBPS(c.s[3], c.s[1], c.r1)
			VSUBPS(c.s[2], c.r1, c.r1)
		}
		for _, z := range []VecPhysical{y00, y01, y10, y11} {
			VADDPS(bias, z, z)
			VMAXPS(z, lo, z) // the value first: NaN stays
			VMINPS(z, hi, z)
		}
		storeRow := func(e, o VecPhysical, base Register, disp int) {
			VMOVAPS(ilo, t0)
			VPERMI2PS(o, e, t0)
			VMOVAPS(ihi, t1)
			VPERMI2PS(o, e, t1)
			if masked {
				VMOVUPS(t0, K2, Mem{Base: base, Disp: disp})
				VMOVUPS(t1, K3, Mem{Base: base, Disp: disp + 64})
			} else {
				VMOVUPS(t0, Mem{Base: base, Disp: disp})
				VMOVUPS(t1, Mem{Base: base, Disp: disp + 64})
			}
		}
		storeRow(y00, y01, py, 0)
		CMPQ(rows, U8(2))
		lbl := "winoout_row1done"
		if masked {
			lbl += "_tail"
		}
		JL(LabelRef(lbl))
		row1 := GP64()
		LEAQ(Mem{Base: py, Index: ow, Scale: 1}, row1)
		storeRow(y10, y11, row1, 0)
		Label(lbl)
	}

	Label("winoout_loop")
	CMPQ(rem, U8(32))
	JL(LabelRef("winoout_tail"))
	block(false)
	ADDQ(U32(64), pm)
	ADDQ(U32(128), py)
	SUBQ(U8(32), rem)
	SUBQ(U8(16), n)
	JMP(LabelRef("winoout_loop"))

	Label("winoout_tail")
	TESTQ(rem, rem)
	JLE(LabelRef("winoout_done"))
	// K1: the tiles left (n <= 16); K2, K3: the outputs left in the low
	// and the high 16 (rem < 32).
	SHLXQ(n, one, mk)
	DECQ(mk)
	KMOVW(mk.As32(), K1)
	c := GP64()
	MOVQ(rem, c)
	CMPQ(c, sixteen)
	CMOVQGT(sixteen, c)
	SHLXQ(c, one, mk)
	DECQ(mk)
	KMOVW(mk.As32(), K2)
	MOVQ(rem, c)
	SUBQ(sixteen, c)
	XORQ(mk, mk)
	CMPQ(c, U8(0))
	CMOVQLT(mk, c)
	SHLXQ(c, one, mk)
	DECQ(mk)
	KMOVW(mk.As32(), K3)
	block(true)
	Label("winoout_done")
	VZEROUPPER()
	RET()
}
