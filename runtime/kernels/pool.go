package kernels

import (
	"math"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels/internal/par"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

// poolPlan is a prepared 2-D MaxPool or AveragePool.
type poolPlan struct {
	ops                            *simd.Ops
	threads                        int
	max, includePad                bool
	h, w, oh, ow                   int
	kh, kw, sh, sw, dh, dw, pt, pl int
	// Per output row and column: window positions inside the input, and
	// inside the padded input (for count_include_pad).
	rowIn, rowPad, colIn, colPad []int
}

// preparePool takes 2-D float32 pools (MaxPool without the Indices output).
func preparePool(n *graphir.Node, env kernelapi.Env, ops *simd.Ops) (kernelapi.Kernel, error) {
	x := n.In(0)
	if !floatIn(n, 0) || len(x.Shape) != 4 || len(n.Outputs) == 0 || n.Outputs[0] == nil {
		return nil, nil
	}
	for _, o := range n.Outputs[1:] {
		if o != nil {
			return nil, nil
		}
	}
	k, s, d, p := ints(n, "kernel_shape"), ints(n, "strides"), ints(n, "dilations"), ints(n, "pads")
	if len(k) != 2 || len(s) != 2 || len(d) != 2 || len(p) != 4 {
		return nil, nil
	}
	y := n.Outputs[0]
	pp := &poolPlan{ops: ops, threads: env.Threads, max: n.Op == graphir.OpMaxPool,
		includePad: n.Attrs["count_include_pad"].Int != 0,
		h:          x.Shape[2], w: x.Shape[3], oh: y.Shape[2], ow: y.Shape[3],
		kh: k[0], kw: k[1], sh: s[0], sw: s[1], dh: d[0], dw: d[1], pt: p[0], pl: p[1]}
	pp.rowIn, pp.rowPad = windowCounts(pp.oh, pp.sh, pp.dh, pp.kh, p[0], p[2], pp.h)
	pp.colIn, pp.colPad = windowCounts(pp.ow, pp.sw, pp.dw, pp.kw, p[1], p[3], pp.w)
	return pp.run, nil
}

// windowCounts counts, per output position along one axis, the window
// positions inside [0, size) and inside [-padBegin, size+padEnd).
func windowCounts(n, stride, dilation, kernel, padBegin, padEnd, size int) (in, padded []int) {
	in, padded = make([]int, n), make([]int, n)
	for o := 0; o < n; o++ {
		for k := 0; k < kernel; k++ {
			q := o*stride - padBegin + k*dilation
			if q >= -padBegin && q < size+padEnd {
				padded[o]++
			}
			if q >= 0 && q < size {
				in[o]++
			}
		}
	}
	return in, padded
}

func (pp *poolPlan) run(_ *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0].F, out[0].F
	inPlane, outPlane := pp.h*pp.w, pp.oh*pp.ow
	planes := len(y) / max(1, outPlane)
	threads := par.Chunks(pp.threads, float64(len(y)*pp.kh*pp.kw), 1<<16)
	par.Blocks(threads, planes, 1, parChunks, func(lo, hi int) {
		var tmp []float32
		if pp.max {
			tmp = make([]float32, 2*pp.w+1) // the window rows' maximum, then its column phases
		}
		for c := lo; c < hi; c++ {
			pp.plane(x[c*inPlane:(c+1)*inPlane], y[c*outPlane:(c+1)*outPlane], tmp)
		}
	})
	return nil
}

func (pp *poolPlan) plane(x, y, tmp []float32) {
	fast2x2 := pp.max && pp.kh == 2 && pp.kw == 2 && pp.sh == 2 && pp.sw == 2 && pp.dh == 1 && pp.dw == 1 && pp.pl == 0
	for oy := 0; oy < pp.oh; oy++ {
		row := y[oy*pp.ow : (oy+1)*pp.ow]
		iy0 := oy*pp.sh - pp.pt
		if fast2x2 && iy0 >= 0 && iy0+1 < pp.h {
			// Whole windows for the columns with 2*ox+1 < w.
			full := min(pp.ow, pp.w/2)
			pp.ops.MaxPool2x2(row[:full], x[iy0*pp.w:iy0*pp.w+2*full], x[(iy0+1)*pp.w:(iy0+1)*pp.w+2*full])
			if full < pp.ow {
				pp.generic(x, row[full:], oy, full)
			}
			continue
		}
		if pp.max {
			pp.maxRowsFirst(x, row, tmp, oy)
			continue
		}
		pp.generic(x, row, oy, 0)
	}
}

// maxRowsFirst computes max-pool output row oy as the column-wise maximum
// of the window's input rows (whole-row vector passes) into tmp, then the
// maximum over each window's columns of tmp (vector passes too for column
// stride 1, and for stride 2 over tmp split into even and odd columns).
// Max is associative here, NaN winning as in generic, so the order does
// not matter.
func (pp *poolPlan) maxRowsFirst(x, row, scratch []float32, oy int) {
	tmp := scratch[:pp.w]
	first := true
	for ky := 0; ky < pp.kh; ky++ {
		iy := oy*pp.sh - pp.pt + ky*pp.dh
		if iy < 0 || iy >= pp.h {
			continue
		}
		xr := x[iy*pp.w : (iy+1)*pp.w]
		if first {
			copy(tmp, xr)
			first = false
		} else {
			pp.ops.PMax(tmp, xr)
		}
	}
	if first { // no input row in the window
		clear(row)
		return
	}
	for i := range row {
		row[i] = float32(math.Inf(-1))
	}
	var phases [2][]float32
	if pp.sw == 2 {
		w2 := (pp.w + 1) / 2
		phases[0], phases[1] = scratch[pp.w:pp.w+w2], scratch[pp.w+w2:pp.w+w2+pp.w/2]
		pp.ops.Deinterleave2(phases[0], phases[1], tmp)
	}
	for kx := 0; kx < pp.kw; kx++ {
		off := kx*pp.dw - pp.pl // ix = ox*sw + off
		lo, hi := validRange(off, pp.sw, pp.w, len(row))
		if lo >= hi {
			continue
		}
		dst := row[lo:hi]
		switch pp.sw {
		case 1:
			pp.ops.PMax(dst, tmp[lo+off:hi+off])
		case 2: // column 2*ox + off is column ox + off>>1 of phase off&1
			ph, sh := phases[off&1], off>>1
			pp.ops.PMax(dst, ph[lo+sh:hi+sh])
		default:
			for i := range dst {
				dst[i] = max(dst[i], tmp[(lo+i)*pp.sw+off]) // NaN wins
			}
		}
	}
	for i := range row {
		if pp.colIn[i] == 0 {
			row[i] = 0
		}
	}
}

// generic computes outputs [ox0, ox0+len(row)) of output row oy.
func (pp *poolPlan) generic(x, row []float32, oy, ox0 int) {
	init := float32(0)
	if pp.max {
		init = float32(math.Inf(-1))
	}
	for i := range row {
		row[i] = init
	}
	n := len(row)
	for ky := 0; ky < pp.kh; ky++ {
		iy := oy*pp.sh - pp.pt + ky*pp.dh
		if iy < 0 || iy >= pp.h {
			continue
		}
		xr := x[iy*pp.w : (iy+1)*pp.w]
		for kx := 0; kx < pp.kw; kx++ {
			off := kx*pp.dw - pp.pl // ix = ox*sw + off
			lo, hi := validRange(off, pp.sw, pp.w, ox0+n)
			lo = max(lo, ox0)
			if lo >= hi {
				continue
			}
			dst := row[lo-ox0 : hi-ox0]
			if pp.sw == 1 {
				src := xr[lo+off : hi+off]
				if pp.max {
					pp.ops.PMax(dst, src)
				} else {
					pp.ops.Add(dst, dst, src)
				}
				continue
			}
			for i := range dst {
				v := xr[(lo+i)*pp.sw+off]
				if pp.max {
					dst[i] = max(dst[i], v) // NaN wins
				} else {
					dst[i] += v
				}
			}
		}
	}
	rows, rowsPad := pp.rowIn[oy], pp.rowPad[oy]
	for i := range row {
		ox := ox0 + i
		count := rows * pp.colIn[ox]
		if count == 0 {
			row[i] = 0
			continue
		}
		if !pp.max {
			if pp.includePad {
				count = rowsPad * pp.colPad[ox]
			}
			row[i] /= float32(count)
		}
	}
}

// prepareGlobalPool takes float32 global pools of any rank.
func prepareGlobalPool(n *graphir.Node, env kernelapi.Env, ops *simd.Ops) (kernelapi.Kernel, error) {
	if !floatIn(n, 0) || len(n.In(0).Shape) < 3 {
		return nil, nil
	}
	isMax := n.Op == graphir.OpGlobalMaxPool
	threads := env.Threads
	return func(_ *graphir.Node, in, out []*graphir.Tensor) error {
		x, y := in[0].F, out[0].F
		planes := len(y)
		if planes == 0 {
			return nil
		}
		size := len(x) / planes
		t := par.Chunks(threads, float64(len(x)), 1<<16)
		par.For(t, t, func(i int) {
			lo, hi := par.Range(planes, t, 1, i)
			for c := lo; c < hi; c++ {
				p := x[c*size : (c+1)*size]
				if isMax {
					y[c] = ops.MaxReduce(p)
				} else {
					y[c] = ops.Sum(p) / float32(size)
				}
			}
		})
		return nil
	}, nil
}
