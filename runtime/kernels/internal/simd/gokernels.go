package simd

import (
	"math"
	"sync"
	"unsafe"
)

// Go returns the plain-Go implementation of every loop.
func Go() *Ops { return &goOps }

var goOps = Ops{
	Name:       "go",
	Sgemm:      sgemmGo,
	SgemmInd:   sgemmIndGo,
	Clamp:      clampGo,
	Leaky:      leakyGo,
	HardSwish:  hardSwishGo,
	Add:        func(d, a, b []float32) { binGo(d, a, b, func(x, y float32) float32 { return x + y }) },
	Sub:        func(d, a, b []float32) { binGo(d, a, b, func(x, y float32) float32 { return x - y }) },
	Mul:        func(d, a, b []float32) { binGo(d, a, b, func(x, y float32) float32 { return x * y }) },
	Div:        func(d, a, b []float32) { binGo(d, a, b, func(x, y float32) float32 { return x / y }) },
	AddScalar:  func(d, a []float32, s float32) { scaGo(d, a, s, func(x, y float32) float32 { return x + y }) },
	SubScalar:  func(d, a []float32, s float32) { scaGo(d, a, s, func(x, y float32) float32 { return x - y }) },
	RSubScalar: func(d, a []float32, s float32) { scaGo(d, a, s, func(x, y float32) float32 { return y - x }) },
	MulScalar:  func(d, a []float32, s float32) { scaGo(d, a, s, func(x, y float32) float32 { return x * y }) },
	DivScalar:  func(d, a []float32, s float32) { scaGo(d, a, s, func(x, y float32) float32 { return x / y }) },
	RDivScalar: func(d, a []float32, s float32) { scaGo(d, a, s, func(x, y float32) float32 { return y / x }) },
	Axpy:       axpyGo,
	PMax:       pmaxGo,
	Dot:        dotGo,
	Sum:        sumGo,
	MaxReduce:  maxReduceGo,
	MaxPool2x2: maxPool2x2Go,
	PackRows: func(dst, src []float32, offs []int32) {
		for k, o := range offs {
			*(*[NR]float32)(dst[k*NR:]) = *(*[NR]float32)(src[o:])
		}
	},
	PackRowsN: func(dst, src []float32, offs []int32, panels, panelStride int) {
		checkPackN(dst, src, offs, panels, panelStride)
		for p := 0; p < panels; p++ {
			for k, o := range offs {
				*(*[NR]float32)(dst[p*panelStride+k*NR:]) = *(*[NR]float32)(src[int(o)+p*NR:])
			}
		}
	},
	GatherMasked: gatherMaskedGo,
	PackRowsMasked: func(dst, src []float32, kOff, kDY, kDX []int32, base, iy0, ix0, h, w int) {
		checkPackMasked(dst, src, kOff, kDY, kDX, base, iy0, ix0, h, w)
		packRowsMaskedGo(dst, src, kOff, kDY, kDX, base, iy0, ix0, h, w)
	},
	WSum: func(dst, src []float32, offs []int32, w []float32, bias float32) {
		checkWSum(dst, src, offs, w)
		wsumGo(dst, src, offs, w, bias)
	},
	Deinterleave2: func(even, odd, src []float32) {
		checkDeinterleave2(even, odd, src)
		deint2Go(even, odd, src)
	},
	CopyRows: func(dst, src []float32, rows, n, dstStride, srcStride int) {
		if checkCopyRows(dst, src, rows, n, dstStride, srcStride) {
			for r := 0; r < rows; r++ {
				copy(dst[r*dstStride:r*dstStride+n], src[r*srcStride:])
			}
		}
	},
	PackC8: func(dst, src []float32, rows, n, dstStride, srcStride, planeStride int) {
		if checkC8(dst, src, rows, n, dstStride, srcStride, planeStride) {
			packC8Go(dst, src, rows, n, dstStride, srcStride, planeStride)
		}
	},
	UnpackC8: func(dst, src []float32, rows, n, dstStride, srcStride, planeStride int) {
		if checkC8(src, dst, rows, n, srcStride, dstStride, planeStride) {
			unpackC8Go(dst, src, rows, n, dstStride, srcStride, planeStride)
		}
	},
	DWC8: func(dst, src []float32, offs []int32, w, bias []float32, rows, n, dstStride, srcStride, step int, lo, hi float32) {
		if checkDWC8(dst, src, offs, w, bias, rows, n, dstStride, srcStride, step) {
			dwc8Go(dst, src, offs, w, bias, rows, n, dstStride, srcStride, step, lo, hi)
		}
	},
	ConvC16: func(dst, src []float32, offs []int32, w, bias []float32, rows, n, dstStride, srcStride, groupStride, step int, lo, hi float32) {
		if checkConvC16(dst, src, offs, w, bias, rows, n, dstStride, srcStride, groupStride, step) {
			convC16Go(dst, src, offs, w, bias, rows, n, dstStride, srcStride, groupStride, step, lo, hi)
		}
	},
}

// convC16Go computes ConvC16 a position at a time, its 16 lanes in an
// array.
func convC16Go(dst, src []float32, offs []int32, w, bias []float32, rows, n, dstStride, srcStride, groupStride, step int, lo, hi float32) {
	n = (n + ConvP - 1) / ConvP * ConvP
	for r := 0; r < rows; r++ {
		for j := 0; j < n; j++ {
			acc := *(*[16]float32)(bias)
			base := r*srcStride + step*j
			for t, o := range offs {
				x := src[base+int(o)]
				wt := (*[16]float32)(w[16*t:])
				for l := range acc {
					acc[l] += wt[l] * x
				}
			}
			for g := 0; g < 2; g++ {
				d := (*[8]float32)(dst[g*groupStride+r*dstStride+8*j:])
				for l := range d {
					d[l] = min(max(acc[8*g+l], lo), hi)
				}
			}
		}
	}
}

func packC8Go(dst, src []float32, rows, n, dstStride, srcStride, planeStride int) {
	for r := 0; r < rows; r++ {
		d := dst[r*dstStride:][:8*n]
		for l := 0; l < 8; l++ {
			s := src[l*planeStride+r*srcStride:][:n]
			for j, v := range s {
				d[8*j+l] = v
			}
		}
	}
}

func unpackC8Go(dst, src []float32, rows, n, dstStride, srcStride, planeStride int) {
	for r := 0; r < rows; r++ {
		s := src[r*srcStride:][:8*n]
		for l := 0; l < 8; l++ {
			d := dst[l*planeStride+r*dstStride:][:n]
			for j := range d {
				d[j] = s[8*j+l]
			}
		}
	}
}

// dwc8Go computes DWC8 a position at a time, its 8 lanes in an array.
func dwc8Go(dst, src []float32, offs []int32, w, bias []float32, rows, n, dstStride, srcStride, step int, lo, hi float32) {
	n = (n + 7) &^ 7
	for r := 0; r < rows; r++ {
		for j := 0; j < n; j++ {
			acc := *(*[8]float32)(bias)
			base := r*srcStride + 8*step*j
			for t, o := range offs {
				x := (*[8]float32)(src[base+int(o):])
				wt := (*[8]float32)(w[8*t:])
				for l := range acc {
					acc[l] += wt[l] * x[l]
				}
			}
			d := (*[8]float32)(dst[r*dstStride+8*j:])
			for l, v := range acc {
				d[l] = min(max(v, lo), hi)
			}
		}
	}
}

// sgemmIndGo packs the in-place panel and runs sgemmGo on it.
func sgemmIndGo(kc int, a *float32, b *IndPanel, c *float32, ldc, mr, flags int, rowBias, colBias *float32, params *Params) {
	if kc > b.rows.kc {
		panic("simd: kc past the in-place panel")
	}
	buf, _ := indPool.Get().(*[]float32)
	if buf == nil || len(*buf) < kc*NR {
		s := make([]float32, max(kc, 512)*NR)
		buf = &s
	}
	defer indPool.Put(buf)
	pan := *buf
	for k, o := range b.rows.offs[:kc] {
		copy(pan[k*NR:(k+1)*NR], b.base[o:int(o)+NR])
	}
	var p0 *float32
	if kc > 0 {
		p0 = &pan[0]
	}
	sgemmGo(kc, a, p0, c, ldc, mr, flags, rowBias, colBias, params)
}

var indPool sync.Pool

// sgemmGo is the micro-kernel in Go: the tile is computed two rows by four
// columns at a time so the eight accumulators stay in registers.
func sgemmGo(kc int, a, b, c *float32, ldc, mr, flags int, rowBias, colBias *float32, params *Params) {
	var t [MR * NR]float32
	if kc > 0 {
		A := unsafe.Slice(a, kc*MR)
		B := unsafe.Slice(b, kc*NR)
		for i := 0; i < MR; i += 2 {
			for j := 0; j < NR; j += 4 {
				var c00, c01, c02, c03, c10, c11, c12, c13 float32
				for k := 0; k < kc; k++ {
					ap := A[k*MR+i : k*MR+i+2 : k*MR+i+2]
					bp := B[k*NR+j : k*NR+j+4 : k*NR+j+4]
					a0, a1 := ap[0], ap[1]
					b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
					c00 += a0 * b0
					c01 += a0 * b1
					c02 += a0 * b2
					c03 += a0 * b3
					c10 += a1 * b0
					c11 += a1 * b1
					c12 += a1 * b2
					c13 += a1 * b3
				}
				r0 := t[i*NR+j : i*NR+j+4 : i*NR+j+4]
				r1 := t[(i+1)*NR+j : (i+1)*NR+j+4 : (i+1)*NR+j+4]
				r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
				r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
			}
		}
	}
	C := unsafe.Slice(c, (mr-1)*ldc+NR)
	if flags&FlagAccumulate != 0 {
		for i := 0; i < mr; i++ {
			for j := 0; j < NR; j++ {
				t[i*NR+j] += C[i*ldc+j]
			}
		}
	}
	var rb, cb []float32
	if flags&FlagRowBias != 0 {
		rb = unsafe.Slice(rowBias, mr)
	}
	if flags&FlagColBias != 0 {
		cb = unsafe.Slice(colBias, NR)
	}
	Epilogue(t[:], NR, mr, NR, flags&^FlagAccumulate, rb, cb, params)
	for i := 0; i < mr; i++ {
		copy(C[i*ldc:i*ldc+NR], t[i*NR:i*NR+NR])
	}
}

// Epilogue applies the bias and activation the flags select (not
// FlagAccumulate) to the rows x cols tile t with row stride ld, exactly as
// the micro-kernels do.
func Epilogue(t []float32, ld, rows, cols, flags int, rowBias, colBias []float32, params *Params) {
	act := (flags >> ActShift) & 15
	for i := 0; i < rows; i++ {
		row := t[i*ld : i*ld+cols]
		if flags&FlagRowBias != 0 {
			b := rowBias[i]
			for j := range row {
				row[j] += b
			}
		}
		if flags&FlagColBias != 0 {
			for j := range row {
				row[j] += colBias[j]
			}
		}
		switch act {
		case ActClamp:
			clampGo(row, row, params.P(0), params.P(1))
		case ActLeaky:
			leakyGo(row, row, params.P(0))
		case ActHardSwish:
			p0, p1, p2 := params.P(0), params.P(1), params.P(2)
			for j, v := range row {
				s := max(min(v*p0+p1, p2), 0)
				row[j] = v * s
			}
		}
	}
}

// Go's min and max propagate NaN, like the reference kernels.
func clampGo(dst, x []float32, lo, hi float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = min(max(v, lo), hi)
	}
}

func leakyGo(dst, x []float32, alpha float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if v < 0 {
			v *= alpha
		}
		dst[i] = v
	}
}

func hardSwishGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = v * max(min(v*(1.0/6)+0.5, 1), 0)
	}
}

func binGo(dst, a, b []float32, f func(x, y float32) float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = f(a[i], b[i])
	}
}

func scaGo(dst, a []float32, s float32, f func(x, y float32) float32) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = f(a[i], s)
	}
}

func axpyGo(dst, x []float32, alpha float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] += alpha * v
	}
}

func pmaxGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if v > dst[i] || v != v {
			dst[i] = v
		}
	}
}

func dotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func sumGo(x []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i]
		s1 += x[i+1]
		s2 += x[i+2]
		s3 += x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func maxReduceGo(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v != v {
			return v
		}
		m = max(m, v)
	}
	return m
}

func maxPool2x2Go(dst, r0, r1 []float32) {
	r0, r1 = r0[:2*len(dst)], r1[:2*len(dst)]
	for i := range dst {
		m := r0[2*i]
		for _, v := range [3]float32{r0[2*i+1], r1[2*i], r1[2*i+1]} {
			if v > m || v != v {
				m = v
			}
		}
		dst[i] = m
	}
}

func gatherMaskedGo(dst, src []float32, p *PanelCols, kOff, kDY, kDX []int32, h, w int) {
	for k, o := range kOff {
		row := (*[NR]float32)(dst[k*NR:])
		dy, dx := kDY[k], kDX[k]
		for c := range row {
			iy, ix := p.IY[c]+dy, p.IX[c]+dx
			if uint32(iy) < uint32(h) && uint32(ix) < uint32(w) {
				row[c] = src[p.Off[c]+o]
			} else {
				row[c] = 0
			}
		}
	}
}

func packRowsMaskedGo(dst, src []float32, kOff, kDY, kDX []int32, base, iy0, ix0, h, w int) {
	for k, o := range kOff {
		row := (*[NR]float32)(dst[k*NR:])
		iy, ix := iy0+int(kDY[k]), ix0+int(kDX[k])
		for c := range row {
			if uint(iy) < uint(h) && uint(ix+c) < uint(w) {
				row[c] = src[base+int(o)+c]
			} else {
				row[c] = 0
			}
		}
	}
}

// wsumGo computes WSum in blocks of wsumBlock outputs, so that each tap's
// pass over the block finds it in the L1 cache.
func wsumGo(dst, src []float32, offs []int32, w []float32, bias float32) {
	const wsumBlock = 512
	w = w[:len(offs)]
	for lo := 0; lo < len(dst); lo += wsumBlock {
		d := dst[lo:min(lo+wsumBlock, len(dst))]
		for i := range d {
			d[i] = bias
		}
		for t, o := range offs {
			wv, s := w[t], src[int(o)+lo:][:len(d)]
			for i, v := range s {
				d[i] += wv * v
			}
		}
	}
}

func deint2Go(even, odd, src []float32) {
	n := len(src) / 2
	even, odd = even[:(len(src)+1)/2], odd[:n]
	for i := range n {
		even[i], odd[i] = src[2*i], src[2*i+1]
	}
	if len(src)%2 == 1 {
		even[n] = src[2*n]
	}
}
