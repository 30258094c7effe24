package gemm

import (
	"github.com/edgectl/edgectl/runtime/internal/stash"
	"github.com/edgectl/edgectl/runtime/kernels/internal/par"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

// Matrix is a strided view: element (i, j) is Data[i*RowStride + j*ColStride],
// scaled by Scale when packed (0 means 1). It serves as A or as B.
type Matrix struct {
	Data                 []float32
	RowStride, ColStride int
	Scale                float32
}

// PackA packs rows [i0, i0+mc) x depth [k0, k0+kc).
func (m Matrix) PackA(dst []float32, i0, mc, k0, kc int) {
	s := m.Scale
	if s == 0 {
		s = 1
	}
	for p := 0; p*MR < mc; p++ {
		pan := dst[p*kc*MR : (p+1)*kc*MR]
		rows := min(MR, mc-p*MR)
		for r := 0; r < MR; r++ {
			if r >= rows {
				for k := 0; k < kc; k++ {
					pan[k*MR+r] = 0
				}
				continue
			}
			base := (i0+p*MR+r)*m.RowStride + k0*m.ColStride
			if m.ColStride == 1 {
				src := m.Data[base : base+kc]
				for k, v := range src {
					pan[k*MR+r] = s * v
				}
				continue
			}
			for k := 0; k < kc; k++ {
				pan[k*MR+r] = s * m.Data[base+k*m.ColStride]
			}
		}
	}
}

// offsPool keeps Matrix.PackB's row offsets: a slice made per call was
// most of an inference's garbage (VGG-16: 1.3 MB a run), and in a VM each
// page of new memory costs a fault of about 15 us.
var offsPool = stash.Stash[*[]int32]{New: func() *[]int32 { return new([]int32) }}

// PackB packs depth [k0, k0+kc) x columns [j0, j0+nc): the rows of the
// matrix are the depth.
func (m Matrix) PackB(dst []float32, k0, kc, j0, nc int, ops *simd.Ops) {
	s := m.Scale
	if s == 0 {
		s = 1
	}
	var offs []int32
	for p := 0; p*NR < nc; p++ {
		pan := dst[p*kc*NR : (p+1)*kc*NR]
		cols := min(NR, nc-p*NR)
		j := j0 + p*NR
		if cols == NR && m.ColStride == 1 && s == 1 {
			if offs == nil {
				o := offsPool.Get()
				defer offsPool.Put(o)
				if cap(*o) < kc {
					*o = make([]int32, kc)
				}
				offs = (*o)[:kc]
				for k := range offs {
					offs[k] = int32((k0 + k) * m.RowStride)
				}
			}
			ops.PackRows(pan, m.Data[j:], offs)
			continue
		}
		if m.RowStride == 1 && cols == NR {
			// Transposed source: each column is contiguous along k.
			for c := 0; c < NR; c++ {
				src := m.Data[(j+c)*m.ColStride+k0 : (j+c)*m.ColStride+k0+kc]
				for k, v := range src {
					pan[k*NR+c] = s * v
				}
			}
			continue
		}
		for k := 0; k < kc; k++ {
			row := pan[k*NR : k*NR+NR]
			off := (k0+k)*m.RowStride + j*m.ColStride
			for c := 0; c < NR; c++ {
				if c < cols {
					row[c] = s * m.Data[off+c*m.ColStride]
				} else {
					row[c] = 0
				}
			}
		}
	}
}

// DirectMatrix is a Matrix whose whole panels (unit column stride,
// unscaled) are read in place, e.g. the B of a 1x1 convolution (InPlace).
type DirectMatrix struct {
	Matrix
	offs []int32 // row k at k*RowStride, IndPad zeros after
}

// InPlace returns m (K rows) as a DirectB when its panels can be read in
// place (unit column stride, unscaled, int32 offsets), else m itself.
func InPlace(m Matrix, K int) BSource {
	if m.ColStride != 1 || (m.Scale != 0 && m.Scale != 1) || int64(K)*int64(m.RowStride) >= 1<<31 || m.RowStride < 0 {
		return m
	}
	d := &DirectMatrix{Matrix: m, offs: make([]int32, K+simd.IndPad)}
	for k := 0; k < K; k++ {
		d.offs[k] = int32(k * m.RowStride)
	}
	return d
}

// PackB packs like Matrix.PackB, whole panels with the row offsets made
// once by InPlace.
func (d *DirectMatrix) PackB(dst []float32, k0, kc, j0, nc int, ops *simd.Ops) {
	full := nc / NR * NR
	if full > 0 {
		ops.PackRowsN(dst, d.Data[j0:], d.offs[k0:k0+kc], full/NR, kc*NR)
	}
	if full < nc {
		d.Matrix.PackB(dst[full/NR*kc*NR:], k0, kc, j0+full, nc-full, ops)
	}
}

// DirectRows returns the offsets of rows [k0, k0+kc) (IndPad more follow).
func (d *DirectMatrix) DirectRows(k0, kc int) []int32 { return d.offs[k0 : k0+kc+simd.IndPad] }

// DirectBase gives every whole panel in place.
func (d *DirectMatrix) DirectBase(j int) ([]float32, bool) { return d.Data[j:], true }

// PackedA is A packed once, in the panels of every K block (KBlocks), for
// operands that do not change between calls (weights).
type PackedA struct {
	M, K int
	mp   int // M rounded up to MR
	data []float32
}

// Pack packs the whole of src (rows [0, M), depth [0, K)).
func Pack(src ASource, M, K int) *PackedA {
	mp := ceilDiv(M, MR) * MR
	p := &PackedA{M: M, K: K, mp: mp, data: make([]float32, mp*K)}
	kb := KBlocks(K)
	for b := 0; b+1 < len(kb); b++ {
		k0, kc := kb[b], kb[b+1]-kb[b]
		src.PackA(p.data[k0*mp:(k0+kc)*mp], 0, M, k0, kc)
	}
	return p
}

// PackA copies from the packed form (for callers that want a copy).
func (p *PackedA) PackA(dst []float32, i0, mc, k0, kc int) {
	copy(dst, p.block(k0, kc, i0, mc))
}

// block returns the packed panels of rows [i0, i0+mc) (i0 a multiple of
// MR) for the K block starting at k0, which must be one of KBlocks(K).
func (p *PackedA) block(k0, kc, i0, mc int) []float32 {
	base := k0*p.mp + (i0/MR)*kc*MR
	return p.data[base : base+ceilDiv(mc, MR)*MR*kc]
}

// Im2col reads B = im2col(X) of a 2-D convolution without building it:
// row k = (c*KH + ky)*KW + kx of B and column j = oy*OW + ox hold
// X[c, oy*SH - PT + ky*DH, ox*SW - PL + kx*DW], zero outside the image.
type Im2col struct {
	X                      []float32 // channels [C][H][W] of one image and group
	H, W                   int
	KH, KW, SH, SW, DH, DW int
	PT, PL                 int
	OH, OW                 int
	// Per row k: offset of its channel plane, and its ky*DH - PT, kx*DW - PL.
	kPlane, kDY, kDX []int32
	// kOff[k] is row k's offset from a column's top-left pixel minus
	// minOff (so never negative); minOff is the least such offset.
	kOff   []int32
	minOff int
	kRaw   []int32 // kOff[k] + minOff: plane + ky*DH*W - PT*W + kx*DW - PL
	// The least and greatest kDY and kDX.
	minDY, maxDY, minDX, maxDX int
}

// Init computes the per-row tables for C input channels.
func (s *Im2col) Init(C int) { s.tables(C, 1) }

// tables computes the per-row tables for C input channels stored in
// `phases` column phases (1, or 2 for Phased), each [C][H][W]: image
// column ix = phases*i + ph is column i of phase ph. Then it derives kRaw,
// kOff, minOff and the tap extents.
func (s *Im2col) tables(C, phases int) {
	K := C * s.KH * s.KW
	s.kPlane, s.kDY, s.kDX = make([]int32, K), make([]int32, K), make([]int32, K)
	for k := 0; k < K; k++ {
		c, r := k/(s.KH*s.KW), k%(s.KH*s.KW)
		dx := (r%s.KW)*s.DW - s.PL // ix = phases*(ox + dx/phases) + dx%phases, floored
		ph := ((dx % phases) + phases) % phases
		s.kPlane[k] = int32((ph*C + c) * s.H * s.W)
		s.kDY[k] = int32((r/s.KW)*s.DH - s.PT)
		s.kDX[k] = int32((dx - ph) / phases)
	}
	s.kRaw, s.kOff = make([]int32, K), make([]int32, K+simd.IndPad)
	s.minOff = 0
	s.minDY, s.maxDY, s.minDX, s.maxDX = 1<<30, -1<<30, 1<<30, -1<<30
	for k := 0; k < K; k++ {
		s.kRaw[k] = s.kPlane[k] + s.kDY[k]*int32(s.W) + s.kDX[k]
		s.minOff = min(s.minOff, int(s.kRaw[k]))
		s.minDY, s.maxDY = min(s.minDY, int(s.kDY[k])), max(s.maxDY, int(s.kDY[k]))
		s.minDX, s.maxDX = min(s.minDX, int(s.kDX[k])), max(s.maxDX, int(s.kDX[k]))
	}
	for k := 0; k < K; k++ {
		s.kOff[k] = s.kRaw[k] - int32(s.minOff)
	}
}

// Phased returns the reader of the same B from X split into its even and
// odd columns (SplitColumns), for a column stride of 2: one output row's
// pixels then read consecutive elements of each phase, so its panels are
// copied as rows instead of gathered. s must have SW == 2 and be
// initialised for C channels; the result's X is to be set to the split
// image.
func (s *Im2col) Phased(C int) *Im2col {
	p := &Im2col{H: s.H, W: (s.W + 1) / 2, KH: s.KH, KW: s.KW, SH: s.SH, SW: 1, DH: s.DH, DW: s.DW,
		PT: s.PT, PL: s.PL, OH: s.OH, OW: s.OW}
	p.tables(C, 2)
	return p
}

// SplitColumns writes the C channels of x ([C][h][w]) to dst as the even
// columns of every channel ([C][h][(w+1)/2]) followed by the odd ones (the
// same size, the last column zero when w is odd): Phased's layout. The
// rows are split over at most threads goroutines.
func SplitColumns(dst, x []float32, C, h, w int, ops *simd.Ops, threads int) {
	w2 := (w + 1) / 2
	odd := dst[C*h*w2:]
	rows := C * h
	par.Blocks(par.Chunks(threads, float64(len(x)), 1<<16), rows, 1, 4, func(lo, hi int) {
		if w%2 == 0 {
			// Even rows end on a pair: the block's rows are one run of
			// pairs, split in one call (per row, the calls on short rows
			// cost more than the copying).
			ops.Deinterleave2(dst[lo*w2:hi*w2], odd[lo*w2:hi*w2], x[lo*w:hi*w])
			return
		}
		for r := lo; r < hi; r++ {
			ops.Deinterleave2(dst[r*w2:(r+1)*w2], odd[r*w2:r*w2+w/2], x[r*w:(r+1)*w])
			if w%2 == 1 {
				odd[r*w2+w2-1] = 0
			}
		}
	})
}

// DirectRows returns the offsets of rows [k0, k0+kc) from a column's
// first tap (IndPad zeros follow the last row).
func (s *Im2col) DirectRows(k0, kc int) []int32 { return s.kOff[k0 : k0+kc+simd.IndPad] }

// DirectBase gives the panel of NR pixels from column j in place when they
// lie in one output row and all their taps inside the image (unit column
// stride): the panel PackB would copy with PackRows.
func (s *Im2col) DirectBase(j int) ([]float32, bool) {
	oy, ox := j/s.OW, j%s.OW
	if s.SW != 1 || ox+NR > s.OW || !s.inside(oy, ox) || !s.inside(oy, ox+NR-1) {
		return nil, false
	}
	return s.X[oy*s.SH*s.W+ox+s.minOff:], true
}

// inside reports whether every tap of output pixel (oy, ox) reads inside
// the image.
func (s *Im2col) inside(oy, ox int) bool {
	iy, ix := oy*s.SH, ox*s.SW
	return iy+s.minDY >= 0 && iy+s.maxDY < s.H && ix+s.minDX >= 0 && ix+s.maxDX < s.W
}

// PackB packs depth [k0, k0+kc) x columns [j0, j0+nc). A panel of NR
// pixels of one output row (unit column stride) is copied as whole rows,
// with masked loads where taps fall outside the image; any other panel is
// gathered with the taps outside the image masked to zero.
func (s *Im2col) PackB(dst []float32, k0, kc, j0, nc int, ops *simd.Ops) {
	kOff := s.kOff[k0 : k0+kc]
	var cols simd.PanelCols
	for p := 0; p*NR < nc; p++ {
		pan := dst[p*kc*NR : (p+1)*kc*NR]
		j := j0 + p*NR
		n := min(NR, nc-p*NR)
		oy, ox := j/s.OW, j%s.OW
		if n == NR {
			if base, ok := s.DirectBase(j); ok {
				// The following whole panels of the same output row lie
				// NR columns apart in the image: pack them in one sweep.
				run := 1
				for (p+run+1)*NR <= nc && ox+(run+1)*NR <= s.OW {
					if _, ok := s.DirectBase(j + run*NR); !ok {
						break
					}
					run++
				}
				ops.PackRowsN(dst[p*kc*NR:], base, kOff, run, kc*NR)
				p += run - 1
				continue
			}
			if s.SW == 1 && ox+NR <= s.OW {
				iy := oy * s.SH
				ops.PackRowsMasked(pan, s.X, s.kRaw[k0:k0+kc], s.kDY[k0:k0+kc], s.kDX[k0:k0+kc], iy*s.W+ox, iy, ox, s.H, s.W)
				continue
			}
		}
		for c := 0; c < NR; c++ {
			if c >= n {
				cols.IY[c], cols.IX[c], cols.Off[c] = simd.Masked, 0, 0
				continue
			}
			iy, ix := oy*s.SH, ox*s.SW
			cols.IY[c], cols.IX[c], cols.Off[c] = int32(iy), int32(ix), int32(iy*s.W+ix)
			if ox++; ox == s.OW {
				ox, oy = 0, oy+1
			}
		}
		ops.GatherMasked(pan, s.X, &cols, s.kRaw[k0:k0+kc], s.kDY[k0:k0+kc], s.kDX[k0:k0+kc], s.H, s.W)
	}
}
