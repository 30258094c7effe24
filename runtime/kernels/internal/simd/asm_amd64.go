//go:build !noasm

package simd

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// NoAsmBuild is true where this build has no assembly by construction.
const NoAsmBuild = false

// asmTierNames are the assembly tiers of amd64, best first.
var asmTierNames = []string{"avx512", "avx2"}

// available lists the tiers this CPU and operating system can run, best
// first. golang.org/x/sys/cpu checks the OS side too (XGETBV: the XMM
// and YMM state, and for AVX-512 the opmask and ZMM state). The avx512
// tier asks for F, BW, DQ and VL (every AVX-512 CPU since Skylake-SP has
// them; its kernels use F only, so no CPU of interest is left out).
func available() []*Ops {
	var out []*Ops
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512VL && cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasBMI2 {
		out = append(out, &avx512Ops)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		out = append(out, &asmOps)
	}
	return out
}

var asmOps = Ops{
	Name:    "avx2",
	VecMaps: true,
	FMAPeak: func(n int) int { fmaPeak(n); return 192 },
	Sgemm: func(kc int, a, b, c *float32, ldc, mr, flags int, rowBias, colBias *float32, params *Params) {
		sgemm6x16(kc, a, b, c, ldc, mr, flags, rowBias, colBias, &params[0])
	},
	GemvPanels: func(kc int, a []float32, np, pstride int, b []float32, bstride int, out []float32) {
		checkGemv(kc, a, np, pstride, b, bstride, out)
		gemvPanels6(kc, &a[0], np, pstride, &b[0], bstride, &out[0])
	},
	Sgemm8: func(kc int, a, b, c *float32, ldc, mr, flags int, rowBias, colBias *float32, params *Params) {
		sgemm6x8(kc, a, b, c, ldc, mr, flags, rowBias, colBias, &params[0])
	},
	SgemmInd: func(kc int, a *float32, b *IndPanel, c *float32, ldc, mr, flags int, rowBias, colBias *float32, params *Params) {
		if kc > b.rows.kc {
			panic("simd: kc past the in-place panel")
		}
		sgemm6x16ind(kc, a, &b.base[0], &b.rows.offs[0], c, ldc, mr, flags, rowBias, colBias, &params[0])
	},
	PackRows: func(dst, src []float32, offs []int32) {
		checkOffsets(len(dst), len(src), offs, 0, NR)
		packRows16(dst, src, offs)
	},
	PackRowsN: func(dst, src []float32, offs []int32, panels, panelStride int) {
		checkPackN(dst, src, offs, panels, panelStride)
		if panels > 0 {
			packRowsN16(dst, src, offs, panels, panelStride)
		}
	},
	PackRowsMasked: func(dst, src []float32, kOff, kDY, kDX []int32, base, iy0, ix0, h, w int) {
		checkPackMasked(dst, src, kOff, kDY, kDX, base, iy0, ix0, h, w)
		// The assembly reads whole 16-element windows (masking after the
		// load): near the ends of src, the Go loop instead.
		for k, o := range kOff {
			if a := base + int(o); (a < 0 || a+NR > len(src)) && uint(iy0+int(kDY[k])) < uint(h) {
				packRowsMaskedGo(dst, src, kOff, kDY, kDX, base, iy0, ix0, h, w)
				return
			}
		}
		packRowsMasked16(dst, src, kOff, kDY, kDX, base, iy0, ix0, h, w)
	},
	GatherMasked: func(dst, src []float32, p *PanelCols, kOff, kDY, kDX []int32, h, w int) {
		checkGather(dst, src, p, kOff, kDY, kDX, h, w)
		gatherMasked16(dst, src, (*[48]int32)(unsafe.Pointer(p)), kOff, kDY, kDX, h, w)
	},
	WSum: func(dst, src []float32, offs []int32, w []float32, bias float32) {
		checkWSum(dst, src, offs, w)
		wsumF32(dst, src, offs, w, bias)
	},
	Deinterleave2: func(even, odd, src []float32) {
		checkDeinterleave2(even, odd, src)
		deint2F32(even, odd, src)
		if n := len(src) &^ 15; n < len(src) {
			deint2Go(even[n/2:], odd[n/2:], src[n:])
		}
	},
	CopyRows: func(dst, src []float32, rows, n, dstStride, srcStride int) {
		if checkCopyRows(dst, src, rows, n, dstStride, srcStride) {
			copyRowsF32(dst, src, rows, n, dstStride, srcStride)
		}
	},
	PackC8: func(dst, src []float32, rows, n, dstStride, srcStride, planeStride int) {
		if checkC8(dst, src, rows, n, dstStride, srcStride, planeStride) {
			packC8F32(dst, src, rows, n, dstStride, srcStride, planeStride)
		}
	},
	UnpackC8: func(dst, src []float32, rows, n, dstStride, srcStride, planeStride int) {
		if checkC8(src, dst, rows, n, srcStride, dstStride, planeStride) {
			unpackC8F32(dst, src, rows, n, dstStride, srcStride, planeStride)
		}
	},
	DWC8: func(dst, src []float32, offs []int32, w, bias []float32, rows, n, dstStride, srcStride, step int, lo, hi float32) {
		if !checkDWC8(dst, src, offs, w, bias, rows, n, dstStride, srcStride, step) {
			return
		}
		if step == 1 {
			dwc8s1F32(dst, src, offs, w, bias, rows, n, dstStride, srcStride, lo, hi)
		} else {
			dwc8s2F32(dst, src, offs, w, bias, rows, n, dstStride, srcStride, lo, hi)
		}
	},
	ConvC16: func(dst, src []float32, offs []int32, w, bias []float32, rows, n, dstStride, srcStride, groupStride, step int, lo, hi float32) {
		if !checkConvC16(dst, src, offs, w, bias, rows, n, dstStride, srcStride, groupStride, step) {
			return
		}
		if step == 1 {
			convc16s1F32(dst, src, offs, w, bias, rows, n, dstStride, srcStride, groupStride, lo, hi)
		} else {
			convc16s2F32(dst, src, offs, w, bias, rows, n, dstStride, srcStride, groupStride, lo, hi)
		}
	},
	Clamp:      func(d, x []float32, lo, hi float32) { need(len(d), x); clampF32(d, x, lo, hi) },
	Leaky:      func(d, x []float32, alpha float32) { need(len(d), x); leakyF32(d, x, alpha) },
	HardSwish:  func(d, x []float32) { need(len(d), x); hardSwishF32(d, x) },
	Add:        func(d, a, b []float32) { need(len(d), a, b); addF32(d, a, b) },
	Sub:        func(d, a, b []float32) { need(len(d), a, b); subF32(d, a, b) },
	Mul:        func(d, a, b []float32) { need(len(d), a, b); mulF32(d, a, b) },
	Div:        func(d, a, b []float32) { need(len(d), a, b); divF32(d, a, b) },
	AddScalar:  func(d, a []float32, s float32) { need(len(d), a); addScalarF32(d, a, s) },
	SubScalar:  func(d, a []float32, s float32) { need(len(d), a); subScalarF32(d, a, s) },
	RSubScalar: func(d, a []float32, s float32) { need(len(d), a); rsubScalarF32(d, a, s) },
	MulScalar:  func(d, a []float32, s float32) { need(len(d), a); mulScalarF32(d, a, s) },
	DivScalar:  func(d, a []float32, s float32) { need(len(d), a); divScalarF32(d, a, s) },
	RDivScalar: func(d, a []float32, s float32) { need(len(d), a); rdivScalarF32(d, a, s) },
	Axpy:       func(d, x []float32, alpha float32) { need(len(d), x); axpyF32(d, x, alpha) },
	PMax:       func(d, x []float32) { need(len(d), x); pmaxF32(d, x) },
	Dot:        func(x, y []float32) float32 { need(len(x), y); return dotF32(x, y) },
	Sum:        sumF32,
	MaxReduce:  maxReduceF32,
	MaxPool2x2: func(d, r0, r1 []float32) {
		need(2*len(d), r0, r1)
		maxPool2x2F32(d, r0, r1)
		if n := len(d) &^ 7; n < len(d) {
			// The last 1..7 outputs through the vector loop too, on
			// copies padded to a whole block: Go's compare-and-branch
			// loop mispredicts on real activations (a 13-wide output
			// row, 5 of them, made YOLOv2-tiny's 26x26x64 pool 2.5x as
			// slow in the model as on benchmark data).
			var t0, t1 [16]float32
			var t [8]float32
			copy(t0[:], r0[2*n:2*len(d)])
			copy(t1[:], r1[2*n:2*len(d)])
			maxPool2x2F32(t[:], t0[:], t1[:])
			copy(d[n:], t[:])
		}
	},
}
