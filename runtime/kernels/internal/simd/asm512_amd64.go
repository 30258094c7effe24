//go:build !noasm

package simd

// avx512Ops is the AVX-512 tier: the AVX2 tier's loops with the ZMM ones
// in their place where those pay (see RATIONALE.md, "AVX-512 tier").
var avx512Ops = func() Ops {
	o := asmOps
	o.Name = "avx512"
	o.FMAPeak = func(n int) int { fmaPeak512(n); return 384 }
	o.TallRows = 4 * MR
	o.SgemmTall = func(kc int, a, b, c *float32, ldc, mr, flags int, rowBias, colBias *float32, params *Params) {
		switch (mr + MR - 1) / MR {
		case 4:
			sgemm24x16z(kc, a, b, c, ldc, mr, flags, rowBias, colBias, &params[0])
		case 3:
			sgemm18x16z(kc, a, b, c, ldc, mr, flags, rowBias, colBias, &params[0])
		case 2:
			sgemm12x16z(kc, a, b, c, ldc, mr, flags, rowBias, colBias, &params[0])
		default:
			sgemm6x16z(kc, a, b, c, ldc, mr, flags, rowBias, colBias, &params[0])
		}
	}
	o.SgemmTallInd = func(kc int, a *float32, b *IndPanel, c *float32, ldc, mr, flags int, rowBias, colBias *float32, params *Params) {
		if kc > b.rows.kc {
			panic("simd: kc past the in-place panel")
		}
		base, offs := &b.base[0], &b.rows.offs[0]
		switch (mr + MR - 1) / MR {
		case 4:
			sgemm24x16zind(kc, a, base, offs, c, ldc, mr, flags, rowBias, colBias, &params[0])
		case 3:
			sgemm18x16zind(kc, a, base, offs, c, ldc, mr, flags, rowBias, colBias, &params[0])
		case 2:
			sgemm12x16zind(kc, a, base, offs, c, ldc, mr, flags, rowBias, colBias, &params[0])
		default:
			sgemm6x16zind(kc, a, base, offs, c, ldc, mr, flags, rowBias, colBias, &params[0])
		}
	}
	o.ConvC16 = func(dst, src []float32, offs []int32, w, bias []float32, rows, n, dstStride, srcStride, groupStride, step int, lo, hi float32) {
		if !checkConvC16(dst, src, offs, w, bias, rows, n, dstStride, srcStride, groupStride, step) {
			return
		}
		if step == 1 {
			convc16s1Z(dst, src, offs, w, bias, rows, n, dstStride, srcStride, groupStride, lo, hi)
		} else {
			convc16s2Z(dst, src, offs, w, bias, rows, n, dstStride, srcStride, groupStride, lo, hi)
		}
	}
	o.DWC8 = func(dst, src []float32, offs []int32, w, bias []float32, rows, n, dstStride, srcStride, step int, lo, hi float32) {
		if !checkDWC8(dst, src, offs, w, bias, rows, n, dstStride, srcStride, step) {
			return
		}
		if step == 1 {
			dwc8s1Z(dst, src, offs, w, bias, rows, n, dstStride, srcStride, lo, hi)
		} else {
			dwc8s2F32(dst, src, offs, w, bias, rows, n, dstStride, srcStride, lo, hi)
		}
	}
	o.DW3S1 = func(dst, src, zero, w []float32, h, wd, y0, y1 int, bias, lo, hi float32) {
		if checkDW3S1(dst, src, zero, w, h, wd, y0, y1) {
			dw3s1Z(dst, src, zero, w, h, wd, y0, y1, bias, lo, hi)
		}
	}
	o.WideRows = 2 * MR
	o.SgemmWide = func(kc int, a, b, c *float32, ldc, mr, flags int, rowBias, colBias *float32, params *Params) {
		if mr > MR {
			sgemm12x32z(kc, a, b, c, ldc, mr, flags, rowBias, colBias, &params[0])
		} else {
			sgemm6x32z(kc, a, b, c, ldc, mr, flags, rowBias, colBias, &params[0])
		}
	}
	o.WinoIn = func(v []float32, vstride int, src []float32, wp, tw int) {
		checkWinoIn(v, vstride, src, wp, tw)
		winoInZ(&v[0], vstride, &src[0], wp, tw)
	}
	o.WinoOut = func(y []float32, ow, rows int, m []float32, mstride, tw int, bias, lo, hi float32) {
		checkWinoOut(y, ow, rows, m, mstride, tw)
		winoOutZ(&y[0], ow, rows, &m[0], mstride, tw, bias, lo, hi)
	}
	return o
}()
