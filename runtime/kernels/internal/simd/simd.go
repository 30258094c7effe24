package simd

// Flags of a micro-kernel call. The epilogue runs in this order: add the
// existing C (FlagAccumulate), add the row bias, add the column bias, apply
// the activation ((flags >> ActShift) & 15).
const (
	FlagAccumulate = 1 << 0
	FlagRowBias    = 1 << 1
	FlagColBias    = 1 << 2
	ActShift       = 4
	// ColsShift: for SgemmTall only, (flags >> ColsShift) & 31, when not
	// 0, is how many columns of C (and of colBias) are read and written,
	// the rest of the tile computed but left alone: a partial last B panel
	// (packed with zeros past its columns) then needs no separate path.
	ColsShift = 8

	ActNone      = 0
	ActClamp     = 1 // min(max(x, p0), p1); Relu is [0, +Inf]
	ActLeaky     = 2 // x < 0 ? p0*x : x
	ActHardSwish = 3 // x * min(max(x*p0 + p1, 0), p2) with p0 = 1/6, p1 = 0.5, p2 = 1
)

// Params are the activation constants of a micro-kernel call: p0..p3, each
// repeated 8 times so the assembly can load them as vectors.
type Params [32]float32

// Set fills p with the constants p0, p1, p2, ... given.
func (p *Params) Set(v ...float32) {
	for i, x := range v {
		for j := 0; j < 8; j++ {
			p[8*i+j] = x
		}
	}
}

// P returns constant i.
func (p *Params) P(i int) float32 { return p[8*i] }

// SgemmFunc computes the MR x NR tile sum over k < kc of a[k*MR+r]*b[k*NR+j]
// and stores its first mr rows (1 <= mr <= MR) to c (row stride ldc
// elements) with the epilogue the flags select. rowBias points at mr
// values, colBias at NR values (each read only when its flag is set).
type SgemmFunc func(kc int, a, b, c *float32, ldc, mr, flags int, rowBias, colBias *float32, params *Params)

// IndPad is how many offsets past its rows an IndPanel holds: the
// micro-kernel reads ahead to prefetch.
const IndPad = 8

// IndRows are the row offsets of in-place B panels (one im2col K block):
// checked once by NewIndRows, shared by every panel of the block.
type IndRows struct {
	offs []int32
	kc   int
	hi   int32 // the greatest offset
}

// NewIndRows checks that offs holds kc non-negative offsets and IndPad
// more; it panics otherwise.
func NewIndRows(offs []int32, kc int) *IndRows {
	if kc < 1 || len(offs) < kc+IndPad {
		panic("simd: bad in-place panel rows")
	}
	r := &IndRows{offs: offs, kc: kc}
	for _, o := range offs[:kc] {
		if o < 0 {
			panic("simd: negative in-place panel row")
		}
		r.hi = max(r.hi, o)
	}
	return r
}

// IndPanel is a B panel read in place (an im2col panel straight from the
// image): row k is base[offs[k] : offs[k]+NR].
type IndPanel struct {
	base []float32
	rows *IndRows
}

// InPlace reports whether p is a panel (not the zero IndPanel).
func (p *IndPanel) InPlace() bool { return p.rows != nil }

// NewIndPanel checks that every row of rows lies in base; it panics
// otherwise.
func NewIndPanel(base []float32, rows *IndRows) IndPanel {
	if int(rows.hi)+NR > len(base) {
		panic("simd: in-place panel row out of range")
	}
	return IndPanel{base: base, rows: rows}
}

// SgemmIndFunc is SgemmFunc with B an in-place panel (kc at most its rows).
type SgemmIndFunc func(kc int, a *float32, b *IndPanel, c *float32, ldc, mr, flags int, rowBias, colBias *float32, params *Params)

// Ops is one implementation of the loops. Slices: dst sets the length; the
// inputs must be at least as long (the wrappers check).
type Ops struct {
	Name string
	// FMAPeak, when not nil, runs n iterations of a register-only FMA loop
	// of the tier's widest vectors and returns the flops of one.
	FMAPeak func(n int) (flopsPerIter int)

	Sgemm SgemmFunc
	// Sgemm8, when not nil, computes only the first 8 columns of the tile
	// (the others of c are left as they are), at half Sgemm's work: for a
	// last panel of at most 8 columns.
	Sgemm8 SgemmFunc
	// GemvPanels, when not nil, sets out[8p+r] = sum over k < kc of
	// a[p*pstride+MR*k+r] * b[k*bstride] for p < np, r < MR (lanes MR..7
	// of each 8 undefined), kc >= 1: one B column against np packed A
	// panels, for a partial B panel of a few columns (GemvPanelsGo is the
	// reference).
	GemvPanels func(kc int, a []float32, np, pstride int, b []float32, bstride int, out []float32)
	// SgemmInd, when not nil, lets the GEMM read whole im2col panels in
	// place instead of packing them.
	SgemmInd SgemmIndFunc
	// SgemmTall, when not nil, computes up to TallRows rows at once: the
	// tile of ceil(mr/MR) consecutive A panels (kc*MR floats apart, as a
	// packed A block holds them) times one B panel, 1 <= mr <= TallRows,
	// with Sgemm's epilogue (rowBias points at mr values) and the column
	// count of ColsShift. SgemmTallInd is the same with B an in-place
	// panel (nil when SgemmInd is).
	SgemmTall    SgemmFunc
	SgemmTallInd SgemmIndFunc
	TallRows     int
	// SgemmWide, when not nil, computes up to WideRows rows of two
	// consecutive B panels (kc*NR floats apart) at once: ceil(mr/MR) A
	// panels as SgemmTall, (flags >> ColsShift) & 63 (when not 0) the
	// columns of C read and written, 17 to 32 (colBias holds that many).
	SgemmWide SgemmFunc
	WideRows  int

	// WinoIn, when not nil, is Winograd F(2x2, 3x3)'s input transform of
	// one tile row (runtime/kernels/conv_wino.go) in one call: tile t < tw
	// is the 4x4 block d[i][j] = src[i*wp+2t+j]; its 16 values V = B'dB go
	// to v[q*vstride+t], q = 4*xi+nu, added in WinoInGo's order. src must
	// hold WinoInSlack floats past the last row's 2*tw+2 (read, unused).
	WinoIn func(v []float32, vstride int, src []float32, wp, tw int)
	// WinoOut, when not nil, is the output transform: with value q of tile
	// t at m[q*mstride+t], it sets the 2x2 outputs A'mA plus bias, clamped
	// to [lo, hi] (NaN staying), at y[r*ow+2t+c] for r < rows (1 or 2) and
	// 2t+c < ow (ow is 2tw or 2tw-1), in WinoOutGo's order.
	WinoOut func(y []float32, ow, rows int, m []float32, mstride, tw int, bias, lo, hi float32)

	// VecMaps says the element-wise loops below are vector assembly, not
	// Go: a kernel built of many of them (Winograd's transforms) only pays
	// then.
	VecMaps bool

	Clamp     func(dst, x []float32, lo, hi float32) // min(max(x, lo), hi), NaN stays
	Leaky     func(dst, x []float32, alpha float32)
	HardSwish func(dst, x []float32)

	Add, Sub, Mul, Div func(dst, a, b []float32)
	// Scalar forms: a op s, and s op a for RSub and RDiv.
	AddScalar, SubScalar, RSubScalar, MulScalar, DivScalar, RDivScalar func(dst, a []float32, s float32)

	Axpy func(dst, x []float32, alpha float32) // dst += alpha*x
	// PMax folds x into a running pooling maximum: dst = x where x > dst
	// or x is NaN.
	PMax      func(dst, x []float32)
	Dot       func(x, y []float32) float32
	Sum       func(x []float32) float32
	MaxReduce func(x []float32) float32 // NaN if any NaN, -Inf if empty
	// MaxPool2x2 sets dst[i] to the pooling maximum of r0[2i], r0[2i+1],
	// r1[2i], r1[2i+1] (in that order).
	MaxPool2x2 func(dst, r0, r1 []float32)

	// PackRows sets dst[NR*k : NR*k+NR] = src[offs[k] : offs[k]+NR].
	PackRows func(dst, src []float32, offs []int32)
	// PackRowsN packs panels consecutive panels, each as PackRows, panel p
	// from src[16p:] into dst[p*panelStride:]: dst[p*panelStride+NR*k+c] =
	// src[offs[k]+NR*p+c]. It reads each row once for all of them.
	PackRowsN func(dst, src []float32, offs []int32, panels, panelStride int)
	// GatherMasked packs one im2col panel: with iy = p.IY[c]+kDY[k] and
	// ix = p.IX[c]+kDX[k], dst[NR*k+c] = src[p.Off[c]+kOff[k]] when
	// 0 <= iy < h and 0 <= ix < w, else 0.
	GatherMasked func(dst, src []float32, p *PanelCols, kOff, kDY, kDX []int32, h, w int)
	// PackRowsMasked packs the panel of NR consecutive columns of one
	// output row near the image border: with iy = iy0+kDY[k] and
	// ix = ix0+kDX[k]+c, dst[NR*k+c] = src[base+kOff[k]+c] when 0 <= iy < h
	// and 0 <= ix < w, else 0; base must be iy0*w + ix0.
	PackRowsMasked func(dst, src []float32, kOff, kDY, kDX []int32, base, iy0, ix0, h, w int)

	// WSum sets dst[i] = bias + sum over t of w[t]*src[offs[t]+i] for
	// i < len(dst), the taps added in order: a depthwise convolution of a
	// whole padded plane at once (runtime/kernels/conv_dw.go). Every
	// offs[t] + len(dst) must be at most len(src).
	WSum func(dst, src []float32, offs []int32, w []float32, bias float32)
	// Deinterleave2 sets even[i] = src[2i] and odd[i] = src[2i+1] for
	// every such element of src; even must hold (len(src)+1)/2 elements,
	// odd len(src)/2.
	Deinterleave2 func(even, odd, src []float32)
	// CopyRows sets dst[r*dstStride+j] = src[r*srcStride+j] for r < rows
	// and j < n: a plane's rows into or out of a padded one, in one call.
	CopyRows func(dst, src []float32, rows, n, dstStride, srcStride int)

	// PackC8 interleaves 8 planes spaced planeStride apart in src, so that
	// a position's 8 channels lie side by side: dst[r*dstStride+8*j+l] =
	// src[l*planeStride+r*srcStride+j] for r < rows, j < n, l < 8.
	PackC8 func(dst, src []float32, rows, n, dstStride, srcStride, planeStride int)
	// UnpackC8 is PackC8's inverse: dst[l*planeStride+r*dstStride+j] =
	// src[r*srcStride+8*j+l] for r < rows, j < n, l < 8.
	UnpackC8 func(dst, src []float32, rows, n, dstStride, srcStride, planeStride int)
	// DWC8 computes rows of a depthwise convolution of 8 interleaved
	// channels (runtime/kernels/conv_dw8.go): for r < rows, l < 8 and
	// j < n8 = n rounded up to a multiple of 8, dst[r*dstStride+8*j+l] =
	// min(max(bias[l] + sum over t of w[8*t+l]*src[r*srcStride+offs[t]+
	// 8*step*j+l], lo), hi), the taps added in order, NaN staying NaN;
	// step (the column stride) is 1 or 2. A row's positions past n are
	// computed too (dst and src must hold them; their values are whatever
	// src holds there), so that every block of positions is a whole one.
	DWC8 func(dst, src []float32, offs []int32, w, bias []float32, rows, n, dstStride, srcStride, step int, lo, hi float32)
	// ConvC16 computes rows of a direct convolution into 16 output
	// channels, two blocks of 8 interleaved channels groupStride apart
	// (runtime/kernels/conv_direct.go): for g < 2, l < 8, r < rows and
	// j < n rounded up to a multiple of ConvP, dst[g*groupStride+
	// r*dstStride+8*j+l] = min(max(bias[8*g+l] + sum over t of
	// w[16*t+8*g+l]*src[r*srcStride+offs[t]+step*j], lo), hi), the taps
	// added in order, NaN staying NaN; step is 1 or 2. As with DWC8, a
	// row's positions past n are computed too.
	ConvC16 func(dst, src []float32, offs []int32, w, bias []float32, rows, n, dstStride, srcStride, groupStride, step int, lo, hi float32)
	// DW3S1 computes rows [y0, y1) of a 3x3, stride-1 depthwise
	// convolution with pads of 1 on one h x wd plane in its own layout
	// (runtime/kernels/conv_dw3.go): dst[y*wd+x] = min(max(bias + sum over
	// ky, kx < 3 of w[3*ky+kx]*in(y+ky-1, x+kx-1), lo), hi), where
	// in(r, c) is src[r*wd+c] inside the plane and 0 outside; the taps
	// added in order, NaN staying NaN. zero holds at least wd zeros (the
	// rows above and below the plane). nil in tiers without it, where
	// DWC8 serves.
	DW3S1 func(dst, src, zero, w []float32, h, wd, y0, y1 int, bias, lo, hi float32)
}

// ConvP is the block of positions ConvC16 rounds n up to.
const ConvP = 6

// C8 is how many channels PackC8, UnpackC8 and DWC8 interleave.
const C8 = 8

// PanelCols describes the NR columns of an im2col panel: the input row and
// column of each column's window origin (before the taps' offsets) and
// its offset IY*w + IX; a column with IY <= Masked reads nothing.
type PanelCols struct {
	IY, IX, Off [NR]int32
}

// Masked is the IY of a column that reads nothing (past the matrix end).
const Masked = -1 << 24

// checkGather panics unless every read GatherMasked can make is inside src.
func checkGather(dst, src []float32, p *PanelCols, kOff, kDY, kDX []int32, h, w int) {
	if len(dst) < NR*len(kOff) || len(kDY) < len(kOff) || len(kDX) < len(kOff) || int64(len(src)) >= 1<<31 || h < 0 || w < 0 {
		panic("simd: bad gather arguments")
	}
	for c := range p.IY {
		if p.IY[c] > Masked && int64(p.Off[c]) != int64(p.IY[c])*int64(w)+int64(p.IX[c]) {
			panic("simd: gather column offset mismatch")
		}
	}
	for k, o := range kOff {
		plane := int64(o) - int64(kDY[k])*int64(w) - int64(kDX[k])
		if plane < 0 || plane+int64(h)*int64(w) > int64(len(src)) {
			panic("simd: gather plane out of range")
		}
	}
}

// checkPackMasked panics unless every read PackRowsMasked can make is
// inside src: each row k's channel plane kOff[k] - kDY[k]*w - kDX[k] must
// lie in src.
func checkPackMasked(dst, src []float32, kOff, kDY, kDX []int32, base, iy0, ix0, h, w int) {
	if len(dst) < NR*len(kOff) || len(kDY) < len(kOff) || len(kDX) < len(kOff) || int64(len(src)) >= 1<<31 ||
		h < 0 || w < 0 || int64(base) != int64(iy0)*int64(w)+int64(ix0) || iy0 < -1<<30 || iy0 > 1<<30 || ix0 < -1<<30 || ix0 > 1<<30 {
		panic("simd: bad masked packing arguments")
	}
	for k, o := range kOff {
		plane := int64(o) - int64(kDY[k])*int64(w) - int64(kDX[k])
		if plane < 0 || plane+int64(h)*int64(w) > int64(len(src)) {
			panic("simd: masked packing plane out of range")
		}
	}
}

// checkPackN panics unless every element PackRowsN touches lies in dst
// and src.
func checkPackN(dst, src []float32, offs []int32, panels, panelStride int) {
	if panels < 0 || panelStride < NR*len(offs) {
		panic("simd: bad panel count or stride")
	}
	if panels == 0 {
		return
	}
	if int64(panels-1)*int64(panelStride)+int64(NR*len(offs)) > int64(len(dst)) {
		panic("simd: packing destination too short")
	}
	for _, o := range offs {
		if o < 0 || int64(o)+int64(NR*panels) > int64(len(src)) {
			panic("simd: packing offset out of range")
		}
	}
}

// checkOffsets panics unless every offs[k] + [lo, hi) lies in [0, n) and
// dst holds NR*len(offs) elements.
func checkOffsets(dst int, n int, offs []int32, lo, hi int32) {
	if dst < NR*len(offs) {
		panic("simd: packing destination too short")
	}
	for _, o := range offs {
		if o+lo < 0 || int(o+hi) > n {
			panic("simd: packing offset out of range")
		}
	}
}

// checkWSum panics unless every read WSum makes is inside src and w.
func checkWSum(dst, src []float32, offs []int32, w []float32) {
	if len(w) < len(offs) {
		panic("simd: fewer weights than offsets")
	}
	for _, o := range offs {
		if o < 0 || int(o)+len(dst) > len(src) {
			panic("simd: wsum offset out of range")
		}
	}
}

// checkDeinterleave2 panics unless even and odd can take src's elements.
func checkDeinterleave2(even, odd, src []float32) {
	if len(even) < (len(src)+1)/2 || len(odd) < len(src)/2 {
		panic("simd: deinterleave destination too short")
	}
}

// checkCopyRows panics unless every row CopyRows copies lies in dst and
// src; it reports whether there is anything to copy.
func checkCopyRows(dst, src []float32, rows, n, dstStride, srcStride int) bool {
	if rows < 0 || n < 0 || dstStride < 0 || srcStride < 0 {
		panic("simd: negative row count, length or stride")
	}
	if rows == 0 || n == 0 {
		return false
	}
	if (rows-1)*dstStride+n > len(dst) || (rows-1)*srcStride+n > len(src) {
		panic("simd: rows out of range")
	}
	return true
}

// checkC8 panics unless every element PackC8 (or, with the roles of dst
// and src swapped, UnpackC8) touches lies in dst and src; it reports
// whether there is anything to do.
func checkC8(inter, planes []float32, rows, n, interStride, planeRowStride, planeStride int) bool {
	if rows < 0 || n < 0 || interStride < 0 || planeRowStride < 0 || planeStride < 0 {
		panic("simd: negative row count, length or stride")
	}
	if rows == 0 || n == 0 {
		return false
	}
	r := int64(rows - 1)
	if r*int64(interStride)+8*int64(n) > int64(len(inter)) ||
		7*int64(planeStride)+r*int64(planeRowStride)+int64(n) > int64(len(planes)) {
		panic("simd: interleaved rows out of range")
	}
	return true
}

// checkDW3S1 panics unless every element DW3S1 touches lies in its
// slices; it reports whether there is anything to do.
func checkDW3S1(dst, src, zero, w []float32, h, wd, y0, y1 int) bool {
	if h < 0 || wd < 0 || y0 < 0 || y1 > h || y0 > y1 || len(w) < 9 {
		panic("simd: bad 3x3 depthwise arguments")
	}
	if y0 == y1 || wd == 0 {
		return false
	}
	if n := int64(h) * int64(wd); n > int64(len(src)) || n > int64(len(dst)) || wd > len(zero) {
		panic("simd: 3x3 depthwise plane out of range")
	}
	return true
}

// DW3S1Go is DW3S1 in Go, one output at a time: the reference the
// assembly is tested against (it does not fuse the multiply-add).
func DW3S1Go(dst, src, zero, w []float32, h, wd, y0, y1 int, bias, lo, hi float32) {
	if !checkDW3S1(dst, src, zero, w, h, wd, y0, y1) {
		return
	}
	for y := y0; y < y1; y++ {
		for x := 0; x < wd; x++ {
			s := bias
			for ky := 0; ky < 3; ky++ {
				for kx := 0; kx < 3; kx++ {
					r, c := y+ky-1, x+kx-1
					if r >= 0 && r < h && c >= 0 && c < wd {
						s += w[3*ky+kx] * src[r*wd+c]
					}
				}
			}
			dst[y*wd+x] = clamp(s, lo, hi)
		}
	}
}

// checkDWC8 panics unless every element DWC8 touches lies in its slices;
// it reports whether there is anything to do.
func checkDWC8(dst, src []float32, offs []int32, w, bias []float32, rows, n, dstStride, srcStride, step int) bool {
	if rows < 0 || n < 0 || dstStride < 0 || srcStride < 0 || (step != 1 && step != 2) {
		panic("simd: bad interleaved depthwise arguments")
	}
	if len(w) < 8*len(offs) || len(bias) < 8 {
		panic("simd: fewer weights than taps")
	}
	if rows == 0 || n == 0 {
		return false
	}
	r, n8 := int64(rows-1), int64(n+7)&^7
	if r*int64(dstStride)+8*n8 > int64(len(dst)) {
		panic("simd: interleaved depthwise output out of range")
	}
	last := r*int64(srcStride) + 8*int64(step)*(n8-1) + 8
	for _, o := range offs {
		if o < 0 || last+int64(o) > int64(len(src)) {
			panic("simd: interleaved depthwise offset out of range")
		}
	}
	return true
}

// checkConvC16 panics unless every element ConvC16 touches lies in its
// slices; it reports whether there is anything to do.
func checkConvC16(dst, src []float32, offs []int32, w, bias []float32, rows, n, dstStride, srcStride, groupStride, step int) bool {
	if rows < 0 || n < 0 || dstStride < 0 || srcStride < 0 || groupStride < 0 || (step != 1 && step != 2) {
		panic("simd: bad direct convolution arguments")
	}
	if len(w) < 16*len(offs) || len(bias) < 16 {
		panic("simd: fewer weights than taps")
	}
	if rows == 0 || n == 0 {
		return false
	}
	r, np := int64(rows-1), int64((n+ConvP-1)/ConvP*ConvP)
	if int64(groupStride)+r*int64(dstStride)+8*np > int64(len(dst)) {
		panic("simd: direct convolution output out of range")
	}
	last := r*int64(srcStride) + int64(step)*(np-1) + 1
	for _, o := range offs {
		if o < 0 || last+int64(o) > int64(len(src)) {
			panic("simd: direct convolution offset out of range")
		}
	}
	return true
}

// checkGemv panics unless every element GemvPanels reads or writes lies
// in its slices.
func checkGemv(kc int, a []float32, np, pstride int, b []float32, bstride int, out []float32) {
	if kc < 1 || np < 1 || pstride < MR*kc || bstride < 0 || len(out) < 8*np ||
		len(a) < (np-1)*pstride+MR*kc || len(b) < (kc-1)*bstride+1 {
		panic("simd: GemvPanels out of bounds")
	}
}

// GemvPanelsGo is the plain Go GemvPanels (lanes MR..7 set to 0).
func GemvPanelsGo(kc int, a []float32, np, pstride int, b []float32, bstride int, out []float32) {
	checkGemv(kc, a, np, pstride, b, bstride, out)
	for p := 0; p < np; p++ {
		var acc [8]float32
		pan := a[p*pstride:]
		for k := 0; k < kc; k++ {
			v := b[k*bstride]
			for r := 0; r < MR; r++ {
				acc[r] += pan[k*MR+r] * v
			}
		}
		copy(out[8*p:8*p+8], acc[:])
	}
}

func need(n int, s ...[]float32) {
	for _, x := range s {
		if len(x) < n {
			panic("simd: input shorter than dst")
		}
	}
}
