package kernels

import (
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/internal/stash"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels/internal/par"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

// dwConv is a prepared depthwise convolution (one input channel per group,
// any channel multiplier, kernel, stride, dilation and pads).
//
// Each input plane is copied once (CopyRows) into a zero-padded scratch
// plane whose rows are grouped by phase r%sh (hq rows of wp elements each),
// and for a column stride sw > 1 split further by column phase c%sw
// (Deinterleave2 for 2), into phase planes of hq x wq elements: padded
// element (r, c) ends up in phase (c%sw, r%sh) at row r/sh, column c/sw
// (for stride 1 the one phase is the padded plane). Output (oy, ox) under
// tap (ky, kx) then reads its phase plane at row oy + ky*dh/sh, column
// ox + kx*dw/sw, so one WSum over the flattened output i = oy*wq + ox (with
// wq-ow junk columns per row) computes the whole plane with a fixed offset
// per tap. Then the activation, and CopyRows drops the junk columns.
type dwConv struct {
	*convPlan
	wk     []float32 // [cout][kh*kw]
	hq, wq int       // rows and columns of a phase plane
	wp     int       // columns of the padded plane, sw*wq
	n      int       // flattened output length (oh-1)*wq + ow, rounded up to 8
	offs   []int32   // per tap: its offset in the phase planes
	// in holds one CopyRows per row phase: input rows (from row iy, every
	// sh-th) to the padded plane at dst; ix0 is the first input column
	// copied (past a negative left pad).
	in      []dwRows
	ix0     int
	scratch stash.Stash[*dwScratch]
	// c8 computes the first 8*c8.groups channels of each image in the
	// interleaved layout (conv_dw8.go); nil when it does not apply.
	c8 *dw8
	// c3 computes every channel of a 3x3 stride-1 convolution in the
	// planes' own layout (conv_dw3.go); nil when it does not apply.
	c3 *dw3
}

type dwRows struct{ iy, rows, dst int }

// dwScratch is one thread's buffers: the padded plane (whose padding,
// never written, stays zero), the phase planes (the padded plane itself
// for sw = 1) and the flattened output.
type dwScratch struct {
	pad, phase, out []float32
	src             int // input plane in pad, -1 for none
}

// dwSlack pads the scratch planes so that WSum can run to a multiple of 8.
const dwSlack = 8

// prepareDepthwise lays out c's depthwise convolution with weights w, or
// returns nil when its scratch plane would not fit int32 offsets.
func prepareDepthwise(c *convPlan, w []float32) kernelapi.Kernel {
	hp, wp := c.padded()
	hq, wq := (hp+c.sh-1)/c.sh, (wp+c.sw-1)/c.sw
	size := int64(c.sh*c.sw)*int64(hq)*int64(wq) + dwSlack
	if size >= 1<<31 || c.oh < 1 || c.ow < 1 {
		return nil
	}
	n := (c.oh-1)*wq + c.ow
	d := &dwConv{convPlan: c, wk: w, hq: hq, wq: wq, wp: c.sw * wq, n: (n + 7) &^ 7, ix0: max(0, -c.pl)}
	phase := hq * wq
	for ky := 0; ky < c.kh; ky++ {
		for kx := 0; kx < c.kw; kx++ {
			r, col := ky*c.dh, kx*c.dw
			off := ((col%c.sw)*c.sh+r%c.sh)*phase + r/c.sh*wq + col/c.sw
			d.offs = append(d.offs, int32(off))
		}
	}
	iyStart := max(0, -c.pt)
	for p := 0; p < c.sh; p++ {
		iy := iyStart + ((p-(iyStart+c.pt)%c.sh)+c.sh)%c.sh
		if iy >= c.h || d.ix0 >= c.w {
			continue
		}
		r := iy + c.pt
		d.in = append(d.in, dwRows{iy: iy, rows: (c.h - iy + c.sh - 1) / c.sh,
			dst: (p*hq+r/c.sh)*d.wp + c.pl + d.ix0})
	}
	d.scratch.New = func() *dwScratch {
		s := &dwScratch{pad: make([]float32, size), out: make([]float32, d.n)}
		s.phase = s.pad
		if c.sw > 1 {
			s.phase = make([]float32, size)
		}
		return s
	}
	if d.c3 = prepareDW3(c, w); d.c3 == nil {
		d.c8 = prepareDW8(c, w)
	}
	return d.run
}

// run computes each output plane from its input plane, chunks of planes
// handed out to the threads.
func (d *dwConv) run(_ *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0].F, out[0].F
	var bias []float32
	if len(in) > 2 && in[2] != nil {
		bias = in[2].F
	}
	if d.c3 != nil {
		d.c3.run(x, y, bias)
		return nil
	}
	first := 0 // the first channel of each image left to this loop
	if d.c8 != nil {
		d.c8.run(x, y, bias)
		first = d.c8.groups * simd.C8
	}
	inPlane, outPlane, kk := d.h*d.w, d.oh*d.ow, d.kh*d.kw
	left := d.cout - first
	planes := d.batch * left
	if planes == 0 {
		return nil
	}
	threads := par.Chunks(d.threads, float64(planes*outPlane*kk), 1<<15)
	par.Blocks(threads, planes, 1, parChunks, func(lo, hi int) {
		s := d.scratch.Get()
		s.src = -1
		for i := lo; i < hi; i++ {
			b, oc := i/left, first+i%left
			pl := b*d.cout + oc
			if src := b*d.cin + oc/d.coutG; src != s.src {
				d.load(s, x[src*inPlane:(src+1)*inPlane])
				s.src = src
			}
			var b0 float32
			if bias != nil {
				b0 = bias[oc]
			}
			d.ops.WSum(s.out, s.phase, d.offs, d.wk[oc*kk:(oc+1)*kk], b0)
			d.act.apply(d.ops, s.out)
			d.ops.CopyRows(y[pl*outPlane:(pl+1)*outPlane], s.out, d.oh, d.ow, d.ow, d.wq)
		}
		d.scratch.Put(s)
	})
	return nil
}

// dwRowDeint is the input row width from which load deinterleaves each
// row straight into the phase planes: wide rows amortise the call, and
// the plane passes through the cache once instead of three times.
const dwRowDeint = 32

// load copies input plane xp into the phase planes of s.
func (d *dwConv) load(s *dwScratch, xp []float32) {
	if d.sw == 2 && d.w-d.ix0 >= dwRowDeint {
		d.loadDeint(s, xp)
		return
	}
	for _, r := range d.in {
		d.ops.CopyRows(s.pad[r.dst:], xp[r.iy*d.w+d.ix0:], r.rows, d.w-d.ix0, d.wp, d.sh*d.w)
	}
	half := d.sh * d.hq * d.wq // one column phase
	switch d.sw {
	case 1:
	case 2:
		d.ops.Deinterleave2(s.phase[:half], s.phase[half:], s.pad[:2*half])
	default:
		// phase (cp, rp) row i column j = padded plane row (rp, i), column j*sw+cp
		rows := d.sh * d.hq
		for cp := 0; cp < d.sw; cp++ {
			dst := s.phase[cp*rows*d.wq : (cp+1)*rows*d.wq]
			for i := 0; i < rows; i++ {
				src := s.pad[i*d.wp : (i+1)*d.wp]
				for j := 0; j < d.wq; j++ {
					dst[i*d.wq+j] = src[j*d.sw+cp]
				}
			}
		}
	}
}

// loadDeint splits each input row into the even and odd column phases.
func (d *dwConv) loadDeint(s *dwScratch, xp []float32) {
	c0 := d.ix0 + d.pl // padded column of the first element copied
	phase := d.hq * d.wq
	for iy := max(0, -d.pt); iy < d.h; iy++ {
		r := iy + d.pt
		row := (r%d.sh)*phase + r/d.sh*d.wq
		even := s.phase[(c0%2*d.sh)*phase+row+c0/2:]
		odd := s.phase[((c0+1)%2*d.sh)*phase+row+(c0+1)/2:]
		d.ops.Deinterleave2(even, odd, xp[iy*d.w+d.ix0:(iy+1)*d.w])
	}
}
