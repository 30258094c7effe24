package kernels

import (
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/internal/stash"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels/internal/gemm"
	"github.com/edgectl/edgectl/runtime/kernels/internal/par"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

// convGeom is the normalised geometry of a 2-D convolution.
type convGeom struct {
	batch, cin, h, w, cout, oh, ow int
	group, cinG, coutG             int
	kh, kw, sh, sw, dh, dw, pt, pl int
}

// padded is the size of the zero-padded image that holds every input row
// and column and every one a tap reads (the scratch planes of the
// depthwise and direct paths).
func (g convGeom) padded() (hp, wp int) {
	return max(g.pt+g.h, (g.oh-1)*g.sh+(g.kh-1)*g.dh+1), max(g.pl+g.w, (g.ow-1)*g.sw+(g.kw-1)*g.dw+1)
}

// convPlan is a prepared convolution: how it runs, with its packed weights.
type convPlan struct {
	convGeom
	ops     *simd.Ops
	threads int
	act     activation
	sum     bool // input 3 is added before the activation (graphir.AttrSum)
	// GEMM path: weights of each group packed as the A operand
	// [coutG x cinG*kh*kw]; im2col tables (nil for a 1x1 stride-1 pad-0
	// convolution, whose image is the B matrix as it is).
	packed []*gemm.PackedA
	im2col *gemm.Im2col
	// Column stride 2: im2col reads the image split into even and odd
	// columns (gemm.SplitColumns into a pooled scratch of phaseSize per
	// image and group).
	phased    bool
	phaseSize int
	scratch   stash.Stash[*[]float32]
	// A 1x1 stride-2 convolution without pads on an even-sized image reads
	// a quarter of it: subsample copies those pixels into a pooled
	// scratch ([cinG][oh*ow], then half rows and odd columns behind), the
	// B matrix of a pointwise multiplication read in place.
	subsampled bool
}

// prepareConv takes every 2-D float32 convolution with constant weights.
func prepareConv(n *graphir.Node, env kernelapi.Env, ops *simd.Ops) (kernelapi.Kernel, error) {
	x, w := n.In(0), n.In(1)
	if !floatIn(n, 0) || !floatIn(n, 1) || len(x.Shape) != 4 || w.Const == nil || len(n.Outputs) != 1 || n.Outputs[0] == nil {
		return nil, nil
	}
	if n.In(2) != nil && !floatIn(n, 2) {
		return nil, nil
	}
	k, s, d, p := ints(n, "kernel_shape"), ints(n, "strides"), ints(n, "dilations"), ints(n, "pads")
	if len(k) != 2 || len(s) != 2 || len(d) != 2 || len(p) != 4 {
		return nil, nil
	}
	act, err := activationOf(n)
	if err != nil {
		return nil, err
	}
	sum, err := sumOf(n)
	if err != nil {
		return nil, err
	}
	if sum && (!floatIn(n, 3) || !n.In(3).Shape.Equal(n.Outputs[0].Shape)) {
		return nil, nil
	}
	y := n.Outputs[0]
	g := convGeom{batch: x.Shape[0], cin: x.Shape[1], h: x.Shape[2], w: x.Shape[3],
		cout: y.Shape[1], oh: y.Shape[2], ow: y.Shape[3], group: int(n.Attrs["group"].Int),
		kh: k[0], kw: k[1], sh: s[0], sw: s[1], dh: d[0], dw: d[1], pt: p[0], pl: p[1]}
	if g.group < 1 || int64(g.cin)*int64(g.h*g.w) >= 1<<31 || int64(g.cout)*int64(g.oh*g.ow) >= 1<<31 {
		return nil, nil // im2col offsets are int32
	}
	g.cinG, g.coutG = g.cin/g.group, g.cout/g.group
	plan := &convPlan{convGeom: g, ops: ops, threads: env.Threads, act: act, sum: sum}
	if sum && g.cinG == 1 && g.kh*g.kw > 1 {
		return nil, nil // depthwise: the reference takes a fused sum (Fuse makes none)
	}
	wf := w.Const.F
	if k := prepareWinograd(plan, wf); k != nil {
		return k, nil // conv_wino.go
	}
	if k := prepareDirect(plan, wf); k != nil {
		return k, nil // conv_direct.go
	}
	if g.cinG == 1 && g.kh*g.kw > 1 {
		if k := prepareDepthwise(plan, wf); k != nil {
			return k, nil // conv_dw.go
		}
	}
	K := g.cinG * g.kh * g.kw
	for gi := 0; gi < g.group; gi++ {
		src := gemm.Matrix{Data: wf[gi*g.coutG*K : (gi+1)*g.coutG*K], RowStride: K, ColStride: 1}
		plan.packed = append(plan.packed, gemm.Pack(src, g.coutG, K))
	}
	noPads := p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0
	pointwise := g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && noPads
	if g.kh == 1 && g.kw == 1 && g.sh == 2 && g.sw == 2 && noPads && g.h%2 == 0 && g.w%2 == 0 {
		// Each image and group: the pixels kept, then the even rows, then
		// their odd columns (subsample).
		plan.subsampled, plan.phaseSize = true, g.cinG*(g.oh*g.ow+g.oh*g.w+g.oh*g.ow)
		size := g.batch * g.group * plan.phaseSize
		plan.scratch.New = func() *[]float32 { b := make([]float32, size); return &b }
	} else if !pointwise {
		plan.im2col = &gemm.Im2col{H: g.h, W: g.w, KH: g.kh, KW: g.kw, SH: g.sh, SW: g.sw,
			DH: g.dh, DW: g.dw, PT: g.pt, PL: g.pl, OH: g.oh, OW: g.ow}
		plan.im2col.Init(g.cinG)
		if g.sw == 2 && int64(g.cin)*int64(g.h)*int64(g.w+1) < 1<<31 {
			plan.im2col = plan.im2col.Phased(g.cinG)
			plan.phased, plan.phaseSize = true, 2*g.cinG*g.h*((g.w+1)/2)
			size := g.batch * g.group * plan.phaseSize
			plan.scratch.New = func() *[]float32 { b := make([]float32, size); return &b }
		}
	}
	return plan.runGEMM, nil
}

// runGEMM computes each image and group as Y_g = W_g * im2col(X_g) + bias.
func (c *convPlan) runGEMM(_ *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0].F, out[0].F
	var bias []float32
	if len(in) > 2 && in[2] != nil {
		bias = in[2].F
	}
	inPlane, outPlane := c.h*c.w, c.oh*c.ow
	K := c.cinG * c.kh * c.kw
	jobs := c.batch * c.group
	act, prm, post := c.act.gemm()
	var split []float32
	if c.phased || c.subsampled {
		buf := c.scratch.Get()
		defer c.scratch.Put(buf)
		split = *buf
	}
	if c.sum && !sameStart(y, in[3].F) { // in place (convInPlace), y is Z already
		parCopy(y, in[3].F, c.threads) // the multiplication accumulates onto Z
	}
	one := func(j, threads int) {
		b, gi := j/c.group, j%c.group
		xg := x[(b*c.cin+gi*c.cinG)*inPlane : (b*c.cin+(gi+1)*c.cinG)*inPlane]
		p := &gemm.Problem{M: c.coutG, N: outPlane, K: K, A: c.packed[gi],
			C: y[(b*c.cout+gi*c.coutG)*outPlane : (b*c.cout+(gi+1)*c.coutG)*outPlane], LDC: outPlane,
			Act: act, Params: prm, Post: post, Accumulate: c.sum}
		if bias != nil {
			p.RowBias = bias[gi*c.coutG : (gi+1)*c.coutG]
		}
		switch {
		case c.subsampled:
			sub := split[j*c.phaseSize : (j+1)*c.phaseSize]
			c.subsample(sub, xg, threads)
			p.B = gemm.InPlace(gemm.Matrix{Data: sub[:c.cinG*outPlane], RowStride: outPlane, ColStride: 1}, K)
		case c.im2col == nil:
			p.B = gemm.InPlace(gemm.Matrix{Data: xg, RowStride: inPlane, ColStride: 1}, K)
		default:
			src := *c.im2col
			src.X = xg
			if c.phased {
				src.X = split[j*c.phaseSize : (j+1)*c.phaseSize]
				gemm.SplitColumns(src.X, xg, c.cinG, c.h, c.w, c.ops, threads)
			}
			p.B = &src
		}
		gemm.Run(p, c.ops, threads)
	}
	// Many small groups: one thread each. Otherwise the threads split each
	// multiplication.
	if jobs >= 2*c.threads && c.threads > 1 {
		par.For(c.threads, jobs, func(j int) { one(j, 1) })
	} else {
		for j := 0; j < jobs; j++ {
			one(j, c.threads)
		}
	}
	return nil
}

// subsample writes pixel (2*oy, 2*ox) of each of the cinG channels of xg
// to dst[c][oy][ox]: a CopyRows of the even rows (h even: one stride
// through all channels), then a Deinterleave2 of them (w even: pairs never
// straddle two rows), odd columns to the scratch behind. Both calls take
// whole blocks of channels, on at most threads goroutines.
func (c *convPlan) subsample(dst, xg []float32, threads int) {
	outPlane, rowsPlane := c.oh*c.ow, c.oh*c.w
	rows, odd := dst[c.cinG*outPlane:c.cinG*(outPlane+rowsPlane)], dst[c.cinG*(outPlane+rowsPlane):]
	par.Blocks(par.Chunks(threads, float64(c.cinG*rowsPlane), 1<<15), c.cinG, 1, parChunks, func(lo, hi int) {
		c.ops.CopyRows(rows[lo*rowsPlane:], xg[lo*c.h*c.w:], (hi-lo)*c.oh, c.w, c.w, 2*c.w)
		c.ops.Deinterleave2(dst[lo*outPlane:hi*outPlane], odd[lo*outPlane:hi*outPlane], rows[lo*rowsPlane:hi*rowsPlane])
	})
}

// convInPlace is Impl.InPlace for Conv: a fused sum (input 3) can be the
// output's buffer, since the GEMM path (the only one that takes a sum)
// reads each element of C before writing it.
func convInPlace(n *graphir.Node) int {
	if s, err := sumOf(n); err == nil && s {
		return 3
	}
	return -1
}

// sameStart reports whether a and b start at the same element.
func sameStart(a, b []float32) bool { return len(a) > 0 && len(b) > 0 && &a[0] == &b[0] }

// parCopy copies src to dst on at most threads goroutines.
func parCopy(dst, src []float32, threads int) {
	par.Blocks(par.Chunks(threads, float64(len(dst)), 1<<16), len(dst), 16, parChunks, func(lo, hi int) {
		copy(dst[lo:hi], src[lo:hi])
	})
}

// parChunks is how many chunks per thread the kernels that split their
// work evenly hand out (par.Blocks). On a machine shared with other
// processes a helper thread often starts late or loses its core for a
// while; with one chunk per thread the call then waits for it, with
// several the caller takes over the chunks it has not started.
const parChunks = 4

// validRange is the range [lo, hi) of outputs o < n with 0 <= o*stride+off < size.
func validRange(off, stride, size, n int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	if size-1-off < 0 {
		return 0, 0
	}
	hi = min(n, (size-1-off)/stride+1)
	return lo, hi
}
