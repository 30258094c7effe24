package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// A mapOp is an element-wise loop dst[i] = f(in0[i], in1[i], ..., scalars):
// 32 elements per iteration (four YMM), then 8, then one at a time (the
// same packed instructions on an XMM whose upper lanes are ignored). The
// length is len(dst); the inputs must be at least that long.
type mapOp struct {
	name, doc string
	ins       []string // slice parameters read, in order ("dst" may be one)
	scalars   []string // float32 parameters, broadcast
	consts    []float32
	// body computes out from the loaded inputs, broadcast scalars and
	// constants; all are YMM, or XMM in the scalar tail.
	body func(in []Op, s, c []VecVirtual, out VecVirtual, x bool)
}

func genVec() {
	for _, m := range mapOps() {
		genMap(m)
	}
	genDot()
	genSum()
	genMaxReduce()
	genMaxPool2()
}

func vecs(v []VecVirtual, x bool) []VecVirtual {
	if !x {
		return v
	}
	out := make([]VecVirtual, len(v))
	for i := range v {
		out[i] = v[i].AsX().(VecVirtual)
	}
	return out
}

func genMap(m mapOp) {
	sig := "func(dst"
	for _, in := range m.ins {
		if in != "dst" {
			sig += ", " + in
		}
	}
	sig += " []float32"
	for _, s := range m.scalars {
		sig += ", " + s
	}
	if len(m.scalars) > 0 {
		sig += " float32"
	}
	sig += ")"
	TEXT(m.name, NOSPLIT, sig)
	Doc(m.doc)
	n := Load(Param("dst").Len(), GP64())
	pd := Load(Param("dst").Base(), GP64())
	ptr := map[string]Register{"dst": pd}
	for _, in := range m.ins {
		if in != "dst" {
			ptr[in] = Load(Param(in).Base(), GP64())
		}
	}
	var sc, cc []VecVirtual
	for _, s := range m.scalars {
		// Broadcast straight from the argument: a legacy-SSE MOVSS after
		// the first YMM write costs hundreds of cycles on some CPUs (AMD
		// Zen 3 here).
		y := YMM()
		VBROADCASTSS(paramAddr(s), y)
		sc = append(sc, y)
	}
	for i, c := range m.consts {
		mem := GLOBL(fmt.Sprintf("%s_c%d", m.name, i), RODATA|NOPTR)
		DATA(0, U32(math.Float32bits(c))) // the assembler reads a float DATA as an integer
		y := YMM()
		VBROADCASTSS(mem, y)
		cc = append(cc, y)
	}
	names := []string{"dst"}
	for _, in := range m.ins {
		if in != "dst" {
			names = append(names, in)
		}
	}
	advance := func(bytes int) {
		for _, name := range names {
			ADDQ(U32(bytes), ptr[name])
		}
	}
	lbl := func(s string) string { return m.name + "_" + s }

	Label(lbl("loop32"))
	CMPQ(n, U8(32))
	JL(LabelRef(lbl("loop8")))
	for u := 0; u < 4; u++ {
		var in []Op
		for _, name := range m.ins {
			y := YMM()
			VMOVUPS(Mem{Base: ptr[name], Disp: 32 * u}, y)
			in = append(in, y)
		}
		out := YMM()
		m.body(in, sc, cc, out, false)
		VMOVUPS(out, Mem{Base: pd, Disp: 32 * u})
	}
	advance(128)
	SUBQ(U8(32), n)
	JMP(LabelRef(lbl("loop32")))

	Label(lbl("loop8"))
	CMPQ(n, U8(8))
	JL(LabelRef(lbl("tail")))
	{
		var in []Op
		for _, name := range m.ins {
			y := YMM()
			VMOVUPS(Mem{Base: ptr[name]}, y)
			in = append(in, y)
		}
		out := YMM()
		m.body(in, sc, cc, out, false)
		VMOVUPS(out, Mem{Base: pd})
	}
	advance(32)
	SUBQ(U8(8), n)
	JMP(LabelRef(lbl("loop8")))

	Label(lbl("tail"))
	TESTQ(n, n)
	JE(LabelRef(lbl("done")))
	{
		var in []Op
		for _, name := range m.ins {
			x := XMM()
			VMOVSS(Mem{Base: ptr[name]}, x)
			in = append(in, x)
		}
		out := XMM()
		m.body(in, vecs(sc, true), vecs(cc, true), out, true)
		VMOVSS(out, Mem{Base: pd})
	}
	advance(4)
	DECQ(n)
	JMP(LabelRef(lbl("tail")))

	Label(lbl("done"))
	VZEROUPPER()
	RET()
}

func tmp(x bool) VecVirtual {
	if x {
		return XMM()
	}
	return YMM()
}

// pmax sets out to the pooling maximum of the running value m and the next
// value v: v if v > m or v is NaN, else m (NaN in m stays; ties keep m).
func pmax(m, v Op, out VecVirtual, x bool) {
	r, mask := tmp(x), tmp(x)
	VMAXPS(m, v, r) // v > m ? v : m, m on NaN
	VCMPPS(U8(3), v, v, mask)
	VBLENDVPS(mask, v, r, out)
}

func mapOps() []mapOp {
	bin := func(name, doc string, f func(a, b Op, out VecVirtual)) mapOp {
		return mapOp{name: name, doc: doc, ins: []string{"a", "b"},
			body: func(in []Op, _, _ []VecVirtual, out VecVirtual, _ bool) { f(in[0], in[1], out) }}
	}
	sca := func(name, doc string, f func(a Op, s VecVirtual, out VecVirtual)) mapOp {
		return mapOp{name: name, doc: doc, ins: []string{"a"}, scalars: []string{"s"},
			body: func(in []Op, s, _ []VecVirtual, out VecVirtual, _ bool) { f(in[0], s[0], out) }}
	}
	return []mapOp{
		{name: "clampF32", doc: "clampF32 sets dst[i] = min(max(x[i], lo), hi), NaN staying NaN.",
			ins: []string{"x"}, scalars: []string{"lo", "hi"},
			body: func(in []Op, s, _ []VecVirtual, out VecVirtual, x bool) {
				t := tmp(x)
				VMAXPS(in[0], s[0], t)
				VMINPS(t, s[1], out)
			}},
		{name: "leakyF32", doc: "leakyF32 sets dst[i] = x[i] < 0 ? alpha*x[i] : x[i].",
			ins: []string{"x"}, scalars: []string{"alpha"}, consts: []float32{0},
			body: func(in []Op, s, c []VecVirtual, out VecVirtual, x bool) {
				m, mask := tmp(x), tmp(x)
				VMULPS(s[0], in[0], m)
				VCMPPS(U8(1), c[0], in[0], mask)
				VBLENDVPS(mask, m, in[0], out)
			}},
		{name: "hardSwishF32", doc: "hardSwishF32 sets dst[i] = x * min(max(x/6 + 0.5, 0), 1), NaN staying NaN.",
			ins: []string{"x"}, consts: []float32{1.0 / 6, 0.5, 1, 0},
			body: func(in []Op, _, c []VecVirtual, out VecVirtual, x bool) {
				t := tmp(x)
				VMOVAPS(c[1], t)
				VFMADD231PS(in[0], c[0], t)
				VMINPS(t, c[2], t)
				VMAXPS(t, c[3], t)
				VMULPS(t, in[0], out)
			}},
		bin("addF32", "addF32 sets dst[i] = a[i] + b[i].", func(a, b Op, out VecVirtual) { VADDPS(b, a, out) }),
		bin("subF32", "subF32 sets dst[i] = a[i] - b[i].", func(a, b Op, out VecVirtual) { VSUBPS(b, a, out) }),
		bin("mulF32", "mulF32 sets dst[i] = a[i] * b[i].", func(a, b Op, out VecVirtual) { VMULPS(b, a, out) }),
		bin("divF32", "divF32 sets dst[i] = a[i] / b[i].", func(a, b Op, out VecVirtual) { VDIVPS(b, a, out) }),
		sca("addScalarF32", "addScalarF32 sets dst[i] = a[i] + s.", func(a Op, s, out VecVirtual) { VADDPS(s, a, out) }),
		sca("subScalarF32", "subScalarF32 sets dst[i] = a[i] - s.", func(a Op, s, out VecVirtual) { VSUBPS(s, a, out) }),
		sca("rsubScalarF32", "rsubScalarF32 sets dst[i] = s - a[i].", func(a Op, s, out VecVirtual) { VSUBPS(a, s, out) }),
		sca("mulScalarF32", "mulScalarF32 sets dst[i] = a[i] * s.", func(a Op, s, out VecVirtual) { VMULPS(s, a, out) }),
		sca("divScalarF32", "divScalarF32 sets dst[i] = a[i] / s.", func(a Op, s, out VecVirtual) { VDIVPS(s, a, out) }),
		sca("rdivScalarF32", "rdivScalarF32 sets dst[i] = s / a[i].", func(a Op, s, out VecVirtual) { VDIVPS(a, s, out) }),
		{name: "axpyF32", doc: "axpyF32 sets dst[i] += alpha * x[i] (one rounding, FMA).",
			ins: []string{"dst", "x"}, scalars: []string{"alpha"},
			body: func(in []Op, s, _ []VecVirtual, out VecVirtual, x bool) {
				VMOVAPS(in[0], out)
				VFMADD231PS(in[1], s[0], out)
			}},
		{name: "pmaxF32", doc: "pmaxF32 folds x into the running pooling maximum dst: dst[i] = x[i] if x[i] > dst[i] or x[i] is NaN.",
			ins: []string{"dst", "x"},
			body: func(in []Op, _, _ []VecVirtual, out VecVirtual, x bool) {
				pmax(in[0], in[1], out, x)
			}},
	}
}

// genDot emits dotF32(x, y) = sum x[i]*y[i] over len(x), four YMM
// accumulators wide.
func genDot() {
	TEXT("dotF32", NOSPLIT, "func(x, y []float32) float32")
	Pragma("noescape")
	Doc("dotF32 returns the sum of x[i]*y[i] for i < len(x) (float32, FMA).")
	px := Load(Param("x").Base(), GP64())
	py := Load(Param("y").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	reduceLoop("dot", px, py, n, func(a, b Op, acc VecVirtual, x bool) {
		VFMADD231PS(b, a, acc)
	}, func(acc []VecVirtual) {
		horizontalAdd(acc)
	})
}

// genSum emits sumF32(x) = sum x[i].
func genSum() {
	TEXT("sumF32", NOSPLIT, "func(x []float32) float32")
	Pragma("noescape")
	Doc("sumF32 returns the float32 sum of x, eight lanes by four accumulators.")
	px := Load(Param("x").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	reduceLoop("sum", px, nil, n, func(a, _ Op, acc VecVirtual, x bool) {
		VADDPS(a, acc, acc)
	}, func(acc []VecVirtual) {
		horizontalAdd(acc)
	})
}

// reduceLoop runs f over x (and y when not nil) into four accumulators,
// 32 elements per iteration, then 8, then one; fin reduces and stores.
func reduceLoop(name string, px, py Register, n Register, f func(a, b Op, acc VecVirtual, x bool), fin func(acc []VecVirtual)) {
	acc := []VecVirtual{YMM(), YMM(), YMM(), YMM()}
	for _, a := range acc {
		VXORPS(a, a, a)
	}
	adv := func(b int) {
		ADDQ(U32(b), px)
		if py != nil {
			ADDQ(U32(b), py)
		}
	}
	load := func(p Register, disp int, x bool) Op {
		if p == nil {
			return nil
		}
		if x {
			r := XMM()
			VMOVSS(Mem{Base: p, Disp: disp}, r)
			return r
		}
		r := YMM()
		VMOVUPS(Mem{Base: p, Disp: disp}, r)
		return r
	}
	Label(name + "_loop32")
	CMPQ(n, U8(32))
	JL(LabelRef(name + "_loop8"))
	for u := 0; u < 4; u++ {
		f(load(px, 32*u, false), load(py, 32*u, false), acc[u], false)
	}
	adv(128)
	SUBQ(U8(32), n)
	JMP(LabelRef(name + "_loop32"))
	Label(name + "_loop8")
	CMPQ(n, U8(8))
	JL(LabelRef(name + "_tail"))
	f(load(px, 0, false), load(py, 0, false), acc[0], false)
	adv(32)
	SUBQ(U8(8), n)
	JMP(LabelRef(name + "_loop8"))
	Label(name + "_tail")
	tail := XMM()
	VXORPS(tail, tail, tail)
	Label(name + "_tailloop")
	TESTQ(n, n)
	JE(LabelRef(name + "_reduce"))
	f(load(px, 0, true), load(py, 0, true), tail, true)
	adv(4)
	DECQ(n)
	JMP(LabelRef(name + "_tailloop"))
	Label(name + "_reduce")
	fin(append(acc, tail))
}

// horizontalAdd adds the four YMM accumulators and the XMM tail (last) and
// stores the float32 total as the function's result.
func horizontalAdd(acc []VecVirtual) {
	VADDPS(acc[1], acc[0], acc[0])
	VADDPS(acc[3], acc[2], acc[2])
	VADDPS(acc[2], acc[0], acc[0])
	lo := acc[0].AsX()
	hi := XMM()
	VEXTRACTF128(U8(1), acc[0], hi)
	VADDPS(hi, lo, lo)
	VADDPS(acc[4], lo, lo)
	VHADDPS(lo, lo, lo)
	VHADDPS(lo, lo, lo)
	VZEROUPPER()
	Store(lo, ReturnIndex(0))
	RET()
}

// genMaxReduce emits maxReduceF32(x): the maximum of x, NaN if any element
// is NaN, -Inf for an empty x.
func genMaxReduce() {
	TEXT("maxReduceF32", NOSPLIT, "func(x []float32) float32")
	Pragma("noescape")
	Doc("maxReduceF32 returns the maximum of x; NaN if any element is NaN; -Inf when x is empty.")
	px := Load(Param("x").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	ninf := GLOBL("maxreduce_ninf", RODATA|NOPTR)
	DATA(0, U32(0xff800000))
	m := YMM()
	nan := YMM()
	VBROADCASTSS(ninf, m)
	VXORPS(nan, nan, nan)
	Label("maxr_loop8")
	CMPQ(n, U8(8))
	JL(LabelRef("maxr_tail"))
	v, u := YMM(), YMM()
	VMOVUPS(Mem{Base: px}, v)
	VMAXPS(m, v, m)
	VCMPPS(U8(3), v, v, u)
	VORPS(u, nan, nan)
	ADDQ(U8(32), px)
	SUBQ(U8(8), n)
	JMP(LabelRef("maxr_loop8"))
	Label("maxr_tail")
	TESTQ(n, n)
	JE(LabelRef("maxr_reduce"))
	vx, ux := YMM(), YMM()
	VBROADCASTSS(Mem{Base: px}, vx)
	VMAXPS(m, vx, m)
	VCMPPS(U8(3), vx, vx, ux)
	VORPS(ux, nan, nan)
	ADDQ(U8(4), px)
	DECQ(n)
	JMP(LabelRef("maxr_tail"))
	Label("maxr_reduce")
	hi := XMM()
	VEXTRACTF128(U8(1), m, hi)
	VMAXPS(m.AsX(), hi, hi)
	sh := XMM()
	VPERMILPS(U8(0x4e), hi, sh)
	VMAXPS(hi, sh, hi)
	VPERMILPS(U8(0xb1), hi, sh)
	VMAXPS(hi, sh, hi)
	mask := GP32()
	VMOVMSKPS(nan, mask)
	TESTL(mask, mask)
	JE(LabelRef("maxr_store"))
	nanv := GLOBL("maxreduce_nan", RODATA|NOPTR)
	DATA(0, U32(0x7fc00000))
	VMOVSS(nanv, hi)
	Label("maxr_store")
	VZEROUPPER()
	Store(hi, ReturnIndex(0))
	RET()
}

// genMaxPool2 emits the 2x2 stride-2 max-pool row: dst[i] = pooling max of
// r0[2i], r0[2i+1], r1[2i], r1[2i+1] in that order, eight outputs per
// iteration for len(dst)/8 iterations (the caller does the rest).
func genMaxPool2() {
	TEXT("maxPool2x2F32", NOSPLIT, "func(dst, r0, r1 []float32)")
	Pragma("noescape")
	Doc("maxPool2x2F32 computes len(dst)/8*8 outputs of a 2x2 stride-2 max pool from input rows r0 and r1.")
	n := Load(Param("dst").Len(), GP64())
	SHRQ(U8(3), n)
	pd := Load(Param("dst").Base(), GP64())
	p0 := Load(Param("r0").Base(), GP64())
	p1 := Load(Param("r1").Base(), GP64())
	Label("mp2_loop")
	TESTQ(n, n)
	JE(LabelRef("mp2_done"))
	var ev, od []VecVirtual
	for _, p := range []Register{p0, p1} {
		a0, a1, e, o := YMM(), YMM(), YMM(), YMM()
		VMOVUPS(Mem{Base: p}, a0)
		VMOVUPS(Mem{Base: p, Disp: 32}, a1)
		VSHUFPS(U8(0x88), a1, a0, e)
		VSHUFPS(U8(0xdd), a1, a0, o)
		ev, od = append(ev, e), append(od, o)
	}
	m1, m2, m3 := YMM(), YMM(), YMM()
	pmax(ev[0], od[0], m1, false)
	pmax(m1, ev[1], m2, false)
	pmax(m2, od[1], m3, false)
	out := YMM()
	VPERMPD(U8(0xd8), m3, out)
	VMOVUPS(out, Mem{Base: pd})
	ADDQ(U8(32), pd)
	ADDQ(U8(64), p0)
	ADDQ(U8(64), p1)
	DECQ(n)
	JMP(LabelRef("mp2_loop"))
	Label("mp2_done")
	VZEROUPPER()
	RET()
}

// paramAddr is the stack address of a scalar parameter, for instructions
// that read it straight from memory.
func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}
