package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// dw3Rows is the most output rows dw3s1Z computes per block: its
// accumulators are independent FMA chains (one per row), an input row's
// three loads serve up to three output rows, and each of the block's
// rows+2 input rows needs a pointer register.
const dw3Rows = 4

// genDW3S1Z emits dw3s1Z, a 3x3 stride-1 depthwise convolution with pads
// of 1 on one plane in its own (planar) layout, so that nothing is packed
// or unpacked (runtime/kernels/conv_dw3.go): 16 output columns per ZMM, a
// strip of them at a time from the top row to the bottom one in blocks of
// up to dw3Rows output rows. Each input row a block reaches is loaded
// three times, shifted by -1, 0 and +1 columns, under opmasks that zero
// the columns outside the row (masked lanes are not read); the masks
// depend on the strip only, so they are set once per strip. Rows above
// and below the plane come from zero, a row of zeros. The taps are added
// in order (row by row, column by column) with FMA from the bias; then lo
// and hi clamp, NaN staying NaN. (A stride-2 form, each input row loaded
// as two pairs of vectors whose even and odd columns VPERMT2PS picks, ran
// MobileNetV2's stride-2 layers at 0.82-1.07x the interleaved path, so it
// was not kept: RATIONALE.md.)
func genDW3S1Z() {
	TEXT("dw3s1Z", NOSPLIT, "func(dst, src, zero, w []float32, h, wd, y0, y1 int, bias, lo, hi float32)")
	Pragma("noescape")
	Doc(
		"dw3s1Z sets, for y0 <= y < y1 and x < wd, dst[y*wd+x] = min(max(bias +",
		"sum over ky, kx < 3 of w[3*ky+kx]*in(y+ky-1, x+kx-1), lo), hi), where",
		"in(r, c) is src[r*wd+c] inside the h x wd plane and 0 outside.",
	)
	pfx := "dw3_"
	wts := []VecPhysical{Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24}
	bias, lo, hi := Z25, Z26, Z27
	pw := Load(Param("w").Base(), GP64())
	for i, z := range wts {
		VBROADCASTSS(Mem{Base: pw, Disp: 4 * i}, z)
	}
	VBROADCASTSS(paramAddr("bias"), bias)
	VBROADCASTSS(paramAddr("lo"), lo)
	VBROADCASTSS(paramAddr("hi"), hi)
	accs := []VecPhysical{Z0, Z1, Z2, Z3}
	tl, tc, tr := Z4, Z5, Z6

	rb := Load(Param("wd"), GP64())
	SHLQ(U8(2), rb) // a row's bytes
	// x: the strip's first column in bytes.
	x, y, m, t := GP64(), GP64(), GP64(), GP64()
	XORQ(x, x)

	Label(pfx + "strip")
	// mask sets k to the lanes of 16 columns from x+shift that lie inside
	// the row: wd - x/4 - shift, clamped to [0, 16].
	mask := func(k Op, shift int) {
		MOVQ(x, m)
		SHRQ(U8(2), m)
		NEGQ(m)
		ADDQ(paramAddr("wd"), m)
		switch {
		case shift > 0:
			SUBQ(U8(uint8(shift)), m)
		case shift < 0:
			ADDQ(U8(uint8(-shift)), m)
		}
		XORQ(t, t)
		CMPQ(m, t)
		CMOVQLT(t, m)
		MOVQ(U32(16), t)
		CMPQ(m, t)
		CMOVQGT(t, m)
		MOVQ(U32(1), t)
		SHLXQ(m, t, m)
		DECQ(m)
		KMOVW(m.As32(), k)
	}
	mask(K1, 0)  // columns x0 .. (and the outputs)
	mask(K3, 1)  // x0+1 ..
	mask(K2, -1) // x0-1 ..: none left of column 0
	MOVQ(U32(0xfffe), m)
	MOVQ(U32(0xffff), t)
	TESTQ(x, x)
	CMOVQNE(t, m)
	KMOVW(m.As32(), K5)
	KANDW(K2, K5, K2)
	Load(Param("y0"), y)

	// block computes output rows y .. y+R-1 of the strip.
	block := func(R int) {
		// The plane, zero and h stay in memory: the pointers take the
		// registers.
		ps := make([]GPVirtual, R+2)
		src, err := Param("src").Base().Resolve()
		if err != nil {
			panic(err)
		}
		zero, err := Param("zero").Base().Resolve()
		if err != nil {
			panic(err)
		}
		for i := range ps {
			ps[i] = GP64()
			MOVQ(y, t)
			switch { // input row y + i - 1
			case i == 0:
				DECQ(t)
			case i > 1:
				ADDQ(U8(uint8(i-1)), t)
			}
			MOVQ(t, ps[i])
			IMULQ(rb, ps[i])
			ADDQ(src.Addr, ps[i])
			CMPQ(t, U8(0))
			CMOVQLT(zero.Addr, ps[i])
			CMPQ(t, paramAddr("h"))
			CMOVQGE(zero.Addr, ps[i])
		}
		for r := 0; r < R; r++ {
			VMOVAPS(bias, accs[r])
		}
		for i := range ps {
			VMOVUPS_Z(Mem{Base: ps[i], Index: x, Scale: 1, Disp: -4}, K2, tl)
			VMOVUPS_Z(Mem{Base: ps[i], Index: x, Scale: 1}, K1, tc)
			VMOVUPS_Z(Mem{Base: ps[i], Index: x, Scale: 1, Disp: 4}, K3, tr)
			// Input row i is tap row ky = i - r of output row r.
			for r := 0; r < R; r++ {
				ky := i - r
				if ky < 0 || ky > 2 {
					continue
				}
				VFMADD231PS(tl, wts[3*ky], accs[r])
				VFMADD231PS(tc, wts[3*ky+1], accs[r])
				VFMADD231PS(tr, wts[3*ky+2], accs[r])
			}
		}
		// The outputs, at dst + y*wd*4 + x, a row apart.
		d := Load(Param("dst").Base(), GP64())
		MOVQ(y, t)
		IMULQ(rb, t)
		ADDQ(t, d)
		for r := 0; r < R; r++ {
			VMAXPS(accs[r], lo, accs[r]) // the value first: NaN stays
			VMINPS(accs[r], hi, accs[r])
			VMOVUPS(accs[r], K1, Mem{Base: d, Index: x, Scale: 1})
			if r < R-1 {
				ADDQ(rb, d)
			}
		}
		ADDQ(U8(uint8(R)), y)
	}

	Label(pfx + "rows")
	MOVQ(y, t)
	NEGQ(t)
	ADDQ(paramAddr("y1"), t) // rows left
	for R := dw3Rows; R >= 1; R-- {
		next := fmt.Sprintf("%slt%d", pfx, R)
		CMPQ(t, U8(uint8(R)))
		JL(LabelRef(next))
		block(R)
		JMP(LabelRef(pfx + "rows"))
		Label(next)
	}
	ADDQ(U8(64), x)
	CMPQ(x, rb)
	JL(LabelRef(pfx + "strip"))
	VZEROUPPER()
	RET()
}
