package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// genSgemmWide emits sgemm{12,6}x32z: one or two consecutive packed A
// panels against two consecutive packed B panels (kc*16 floats apart), a
// 12x32 tile in 24 ZMM accumulators (row r in Z(2r), Z(2r+1)). Each A
// element is broadcast once into a register for its two FMAs: per k-step
// two B loads, 12 broadcasts, 24 FMAs (the 24x16 kernel: one B load and 24
// broadcasting FMAs). (flags >> colsShift) & 63, when not 0, is the number
// of columns of C written (17..32: the second panel may be partial).
func genSgemmWide(panels int) {
	rowsMax := mr * panels
	name := fmt.Sprintf("sgemm%dx32z", rowsMax)
	TEXT(name, NOSPLIT, "func(kc int, a, b, c *float32, ldc, mr, flags int, rowBias, colBias, params *float32)")
	Pragma("noescape")
	Doc(
		fmt.Sprintf("%s computes the %dx32 tile of %d consecutive packed A panels times two", name, rowsMax, panels),
		"consecutive packed B panels (kc*16 floats apart) and stores its first mr rows",
		"and the columns the flags name to c with sgemm6x16's epilogue.",
	)
	L := func(l string) string { return name + "_" + l }
	acc := func(r, j int) VecPhysical { return zmmAcc[2*r+j] }
	kc := Load(Param("kc"), GP64())
	pb0 := Load(Param("b"), GP64())
	pc := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	pa := []Register{Load(Param("a"), GP64())}
	stride := GP64()
	MOVQ(kc, stride)
	SHLQ(U8(6), stride) // kc*16 floats
	pb1 := GP64()
	LEAQ(Mem{Base: pb0, Index: stride, Scale: 1}, pb1)
	if panels > 1 {
		MOVQ(kc, stride)
		IMUL3Q(U32(4*mr), stride, stride)
		p := GP64()
		LEAQ(Mem{Base: pa[0], Index: stride, Scale: 1}, p)
		pa = append(pa, p)
	}
	t := GP64()
	MOVQ(pc, t)
	for r := 0; r < rowsMax; r++ {
		PREFETCHT0(Mem{Base: t})
		PREFETCHT0(Mem{Base: t, Disp: 64})
		PREFETCHT0(Mem{Base: t, Disp: 124})
		if r < rowsMax-1 {
			ADDQ(ldc, t)
		}
	}
	for r := 0; r < rowsMax; r++ {
		for j := 0; j < 2; j++ {
			VXORPS(acc(r, j), acc(r, j), acc(r, j))
		}
	}
	step := func(u int) {
		VMOVUPS(Mem{Base: pb0, Disp: 64 * u}, Z24)
		VMOVUPS(Mem{Base: pb1, Disp: 64 * u}, Z25)
		for r := 0; r < rowsMax; r++ {
			bc := []VecPhysical{Z26, Z27}[r%2]
			VBROADCASTSS(Mem{Base: pa[r/mr], Disp: 4 * (mr*u + r%mr)}, bc)
			VFMADD231PS(bc, Z24, acc(r, 0))
			VFMADD231PS(bc, Z25, acc(r, 1))
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
	step(2)
	step(3)
	for _, p := range append(pa, pb0, pb1) {
		if p == pb0 || p == pb1 {
			ADDQ(U32(4*nr*4), p)
		} else {
			ADDQ(U32(4*mr*4), p)
		}
	}
	SUBQ(U8(4), kc)
	JMP(LabelRef(L("loop4")))
	Label(L("tail"))
	TESTQ(kc, kc)
	JE(LabelRef(L("epilogue")))
	step(0)
	for _, p := range pa {
		ADDQ(U32(4*mr), p)
	}
	ADDQ(U32(4*nr), pb0)
	ADDQ(U32(4*nr), pb1)
	DECQ(kc)
	JMP(LabelRef(L("tail")))

	Label(L("epilogue"))
	flags := Load(Param("flags"), GP64())
	rows := Load(Param("mr"), GP64())
	// K2, K3: the columns of C in the first and second 16 (all 32 when
	// the count is 0).
	cols, one, m, sixteen := GP64(), GP64(), GP64(), GP64()
	MOVQ(flags, cols)
	SHRQ(U8(colsShift), cols)
	ANDQ(U8(63), cols)
	MOVQ(U32(32), m)
	CMOVQEQ(m, cols)
	MOVQ(U32(1), one)
	MOVQ(U32(16), sixteen)
	MOVQ(cols, m)
	CMPQ(m, sixteen)
	CMOVQGT(sixteen, m)
	SHLXQ(m, one, m)
	DECQ(m)
	KMOVW(m.As32(), K2)
	SUBQ(sixteen, cols)
	XORQ(m, m)
	CMPQ(cols, U8(0))
	CMOVQLT(m, cols)
	SHLXQ(cols, one, m)
	DECQ(m)
	KMOVW(m.As32(), K3)
	ks := []Op{K2, K3}
	forRows := func(next string, body func(r int)) {
		for r := 0; r < rowsMax; r++ {
			if r > 0 {
				CMPQ(rows, U8(r))
				JLE(LabelRef(L(next)))
			}
			body(r)
		}
	}
	TESTQ(U32(flagAccumulate), flags)
	JE(LabelRef(L("rowbias")))
	MOVQ(pc, t)
	forRows("rowbias", func(r int) {
		for j := 0; j < 2; j++ {
			VADDPS(Mem{Base: t, Disp: 64 * j}, acc(r, j), ks[j], acc(r, j))
		}
		if r < rowsMax-1 {
			ADDQ(ldc, t)
		}
	})
	Label(L("rowbias"))
	TESTQ(U32(flagRowBias), flags)
	JE(LabelRef(L("colbias")))
	rb := Load(Param("rowBias"), GP64())
	forRows("colbias", func(r int) {
		VBROADCASTSS(Mem{Base: rb, Disp: 4 * r}, Z26)
		VADDPS(Z26, acc(r, 0), acc(r, 0))
		VADDPS(Z26, acc(r, 1), acc(r, 1))
	})
	Label(L("colbias"))
	TESTQ(U32(flagColBias), flags)
	JE(LabelRef(L("act")))
	cb := Load(Param("colBias"), GP64())
	VMOVUPS_Z(Mem{Base: cb}, K2, Z26)
	VMOVUPS_Z(Mem{Base: cb, Disp: 64}, K3, Z27)
	for r := 0; r < rowsMax; r++ {
		VADDPS(Z26, acc(r, 0), acc(r, 0))
		VADDPS(Z27, acc(r, 1), acc(r, 1))
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
	all := zmmAcc[:2*rowsMax]
	Label(L("clamp"))
	VBROADCASTSS(Mem{Base: prm}, Z26)
	VBROADCASTSS(Mem{Base: prm, Disp: 32}, Z27)
	for _, z := range all {
		VMAXPS(z, Z26, z)
		VMINPS(z, Z27, z)
	}
	JMP(LabelRef(L("store")))
	Label(L("leaky"))
	VBROADCASTSS(Mem{Base: prm}, Z26)
	VXORPS(Z27, Z27, Z27)
	for _, z := range all {
		VCMPPS(U8(1), Z27, z, K1)
		VMULPS(Z26, z, K1, z)
	}
	JMP(LabelRef(L("store")))
	Label(L("hswish"))
	VBROADCASTSS(Mem{Base: prm}, Z26)
	VBROADCASTSS(Mem{Base: prm, Disp: 32}, Z27)
	VBROADCASTSS(Mem{Base: prm, Disp: 64}, Z28)
	VXORPS(Z29, Z29, Z29)
	for _, z := range all {
		VMOVAPS(Z27, Z30)
		VFMADD231PS(Z26, z, Z30)
		VMINPS(Z30, Z28, Z30)
		VMAXPS(Z30, Z29, Z30)
		VMULPS(Z30, z, z)
	}
	Label(L("store"))
	MOVQ(pc, t)
	forRows("done", func(r int) {
		for j := 0; j < 2; j++ {
			VMOVUPS(acc(r, j), ks[j], Mem{Base: t, Disp: 64 * j})
		}
		if r < rowsMax-1 {
			ADDQ(ldc, t)
		}
	})
	Label(L("done"))
	VZEROUPPER()
	RET()
}
