package kernels

import (
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/internal/scratch"
	"github.com/edgectl/edgectl/runtime/internal/stash"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels/internal/gemm"
	"github.com/edgectl/edgectl/runtime/kernels/internal/par"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

// winoConv runs a 3x3 stride-1 convolution (pads of 0 or 1 on each side,
// one group: a "same" layer, or a tile of one, whose crop has a halo where
// its neighbours are and the layer's pad at the image's borders) as
// Winograd F(2x2, 3x3): each 2x2 block of outputs from a 4x4 block of
// input, transformed (V = B'dB) into 16 values; the 16 products of the
// transformed weights U = GgG' (packed once) with them are 16 GEMMs of
// M x C x tiles, 2.25 times fewer multiplies than the direct form; the
// outputs come back through A'mA, then the bias and the activation. The
// transforms run as vector adds over a row of tiles (the even and odd
// columns of each input row split first); blocks of tile rows bound the
// transformed scratch. Threads take whole blocks, or on small planes
// each its own output channels of every block.
type winoConv struct {
	*convPlan
	u      [16]*gemm.PackedA // transformed weights, M x C each
	th, tw int               // tile rows and tiles per row
	hp, wp int               // the zero-padded input plane
	band   int               // tile rows per block of GEMMs
	lo, hi float32           // the activation as a clamp, for ops.WinoOut
	post   bool              // the activation runs after WinoOut
	nb     int               // tiles in a block at most
	rows   stash.Stash[*winoRows]
}

// winoBand is one thread's transformed scratch of one block of tile rows.
// It and a call's padded input (C x hp x wp + WinoInSlack floats, border
// zero) are buffers of the process's pool (runtime/internal/scratch), so
// a device holds one convolution's worth, not every layer's (a fused
// VGG-16 tile to pool4: 56 MB of them kept per layer).
type winoBand struct {
	v, m []float32 // 16 x C x band*tw, 16 x M x band*tw
}

// winoRows is one thread's rows for the transforms.
type winoRows struct {
	e, o []float32 // 4 x (tw+1): a tile row's input rows, even and odd columns
	r    []float32 // 16 x tw: d*B per input row
	s    []float32 // 8 x tw: A'm per row of m
}

// Winograd runs where it measured faster than the GEMM (same-process A/B).
//
// With the map-based transforms (AVX2): at least 256 input and output
// channels on a plane of at least 28 rows, VGG-16's conv3_2 to conv4_3
// (18-25% faster, one thread). Below that the transforms' many short
// vector calls eat the gain: 128->256 at 56x56 was 4% faster to 8% slower,
// ResNet-50's 128->128 at 28x28 17-40% slower; at 14x14 the plane is too
// small to split into enough tiles.
//
// With the fused transforms (Ops.WinoIn, AVX-512) from 64 channels on any
// plane (BenchmarkABWinogradSmall and BenchmarkABWinograd, min of 15
// alternating runs, Winograd's time over the GEMM's at 1 / 2 threads):
// 64->64 at 224x224 0.72 / 0.87, 64->128 at 104x104 0.65 / 0.83, 128->256
// at 52x52 0.52 / 0.78, 128->128 at 28x28 0.54 / 0.59, 512->512 at 7x7
// 0.60 / 0.60, 1024->1024 at 13x13 0.75 / 0.67; 32->64 at 208x208 0.94 /
// 1.02, hence not below 64.
//
// The transforms need the vector maps (Ops.VecMaps): in Go, or on arm64
// where they were never timed, the GEMM stays.
var (
	winoLimits = [2]struct{ channels, rows int }{
		{256, 28}, // map-based transforms
		{64, 1},   // fused transforms
	}
	// winoBandCols is the target of tiles (GEMM columns) per block of tile
	// rows.
	winoBandCols = 256
)

func prepareWinograd(c *convPlan, w []float32) kernelapi.Kernel {
	lim := winoLimits[0]
	if c.ops.WinoIn != nil {
		lim = winoLimits[1]
	}
	// The bottom and right pads follow from the output's size.
	pb, pr := c.oh+2-c.h-c.pt, c.ow+2-c.w-c.pl
	if !c.ops.VecMaps || c.cin < lim.channels || c.cout < lim.channels || c.oh < lim.rows || c.group != 1 || c.kh != 3 || c.kw != 3 || c.sh != 1 || c.sw != 1 || c.dh != 1 || c.dw != 1 ||
		!pad01(c.pt) || !pad01(c.pl) || !pad01(pb) || !pad01(pr) || c.sum {
		return nil
	}
	d := &winoConv{convPlan: c, th: (c.oh + 1) / 2, tw: (c.ow + 1) / 2}
	d.hp, d.wp = 2*d.th+2, 2*d.tw+2
	// Balanced blocks: 28 tile rows of 28 tiles are 4 blocks of 7, not 9,
	// 9, 9 and 1 (two threads taking whole blocks did 18 rows and 10).
	per := max(1, winoBandCols/d.tw)
	nbands := (d.th + per - 1) / per
	d.band = (d.th + nbands - 1) / nbands
	d.lo, d.hi, d.post = c.act.bounds()
	// U = G g G' per (o, c), G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]: for
	// each row i of G g, its four products with G' are U's matrices 4i to
	// 4i+3, packed before the next row is worked out (four of the sixteen
	// matrices unpacked at a time: VGG-16's conv4 layers had made 16 MB of
	// them each at once).
	G := [4][3]float64{{1, 0, 0}, {.5, .5, .5}, {.5, -.5, .5}, {0, 0, 1}}
	var us [4][]float32
	for j := range us {
		us[j] = make([]float32, c.cout*c.cin)
	}
	for i := 0; i < 4; i++ {
		for o := 0; o < c.cout; o++ {
			for ci := 0; ci < c.cin; ci++ {
				g := w[(o*c.cin+ci)*9:]
				var t [3]float64 // row i of G g
				for j := 0; j < 3; j++ {
					for k := 0; k < 3; k++ {
						t[j] += G[i][k] * float64(g[k*3+j])
					}
				}
				for j := 0; j < 4; j++ {
					s := 0.0
					for k := 0; k < 3; k++ {
						s += t[k] * G[j][k]
					}
					us[j][o*c.cin+ci] = float32(s)
				}
			}
		}
		for j := range us {
			d.u[i*4+j] = gemm.Pack(gemm.Matrix{Data: us[j], RowStride: c.cin, ColStride: 1}, c.cout, c.cin)
		}
	}
	d.nb = min(d.band, d.th) * d.tw
	d.rows.New = func() *winoRows {
		return &winoRows{e: make([]float32, 4*(d.tw+1)), o: make([]float32, 4*(d.tw+1)), r: make([]float32, 16*d.tw), s: make([]float32, 8*d.tw)}
	}
	return d.run
}

// padInput writes the cin planes of image x into the zero-bordered
// planes of pad (C x hp x wp, then WinoInSlack): per plane the pad rows
// cleared, the rows copied in one CopyRows, the pad columns zeroed
// element by element (the buffer comes from the pool with another call's
// values). Blocks of planes go to at most threads goroutines: done on one
// before, with a clear call per pad column of every row, it took an eighth
// of a 2-thread 64->64 layer at 56x56 (~110 us of 800) and all of it
// waited on one core.
func (d *winoConv) padInput(pad, x []float32, threads int) {
	plane, inPlane := d.hp*d.wp, d.h*d.w
	right := d.wp - d.pl - d.w // pad columns after each row
	par.Blocks(par.Chunks(threads, float64(d.cin*plane), 1<<15), d.cin, 1, parChunks, func(lo, hi int) {
		for ci := lo; ci < hi; ci++ {
			p := pad[ci*plane : (ci+1)*plane]
			clear(p[:d.pt*d.wp])
			clear(p[(d.pt+d.h)*d.wp:])
			d.ops.CopyRows(p[d.pt*d.wp+d.pl:], x[ci*inPlane:], d.h, d.w, d.wp, d.w)
			for r := d.pt; r < d.pt+d.h; r++ {
				row := p[r*d.wp : (r+1)*d.wp]
				for c := 0; c < d.pl; c++ {
					row[c] = 0
				}
				for c := d.pl + d.w; c < d.pl+d.w+right; c++ {
					row[c] = 0
				}
			}
		}
	})
	clear(pad[d.cin*plane:])
}

// pad01 reports a pad of 0 or 1: the zero-bordered scratch plane holds the
// input at offset (pt, pl) and stays zero elsewhere.
func pad01(p int) bool { return p == 0 || p == 1 }

func (d *winoConv) run(_ *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0].F, out[0].F
	var bias []float32
	if len(in) > 2 && in[2] != nil {
		bias = in[2].F
	}
	pb, _ := scratch.Get(d.cin*d.hp*d.wp + simd.WinoInSlack)
	defer scratch.Put(pb)
	pad := *pb
	nbands := (d.th + d.band - 1) / d.band
	for b := 0; b < d.batch; b++ {
		d.padInput(pad, x[b*d.cin*d.h*d.w:], d.threads)
		yb := y[b*d.cout*d.oh*d.ow:]
		switch {
		case d.threads > 1 && nbands >= winoBandsPerThread*d.threads:
			// Many blocks (large planes, few channels): each thread takes
			// whole blocks.
			par.For(d.threads, nbands, func(i int) {
				d.block(pad, i*d.band, 0, d.cout, yb, bias)
			})
		case d.threads > 1:
			// Few blocks (small planes): each thread transforms the whole
			// input of a block itself, then computes its own output
			// channels: one synchronisation per call, and no scratch
			// written by one thread and read by another.
			par.For(d.threads, d.threads, func(t int) {
				m0, m1 := par.Range(d.cout, d.threads, winoRowAlign, t)
				for ty0 := 0; ty0 < d.th; ty0 += d.band {
					d.block(pad, ty0, m0, m1, yb, bias)
				}
			})
		default:
			for ty0 := 0; ty0 < d.th; ty0 += d.band {
				d.block(pad, ty0, 0, d.cout, yb, bias)
			}
		}
	}
	return nil
}

// winoBandsPerThread is how many blocks of tile rows each thread must get
// for the threads to take whole blocks. At 2 threads (BenchmarkABWinograd,
// Winograd's time over the GEMM's, min of 15 alternating runs), 64->64 at
// 224x224 (56 blocks) went from 1.34 with every block split between the
// threads to 0.87, 64->128 at 112x112 from 1.11 to 0.64.
const winoBandsPerThread = 2

// winoRowAlign aligns the threads' output channels to the micro-kernel's
// row panels.
const winoRowAlign = gemm.MR

// block runs the tile rows from ty0 (a block of at most d.band) on the
// calling goroutine: the input transform of every channel, the 16
// products for output channels [m0, m1), their output transform into y
// (the batch element's output).
//
// With several threads each on its own output channels, each transforms
// the input itself. Splitting the transforms and the products between
// threads (three synchronisations per block, scratch rows written by one
// core and read by the other) made 2 threads slower than one on small
// planes: ResNet-50's 512->512 at 7x7 1.70-1.84 ms against 1.0 ms,
// 256->256 at 14x14 1.09-1.32 against 0.82; with this split 0.72 and 0.47.
func (d *winoConv) block(pad []float32, ty0, m0, m1 int, y, bias []float32) {
	ops, tw := d.ops, d.tw
	nb := min(d.band, d.th-ty0)
	T := nb * tw
	vb, _ := scratch.Get(16 * d.cin * d.nb)
	mb, _ := scratch.Get(16 * d.cout * d.nb)
	defer scratch.Put(vb)
	defer scratch.Put(mb)
	bs := &winoBand{v: *vb, m: *mb}
	var w *winoRows
	if ops.WinoIn == nil || ops.WinoOut == nil { // the map-based transforms' rows
		w = d.rows.Get()
		defer d.rows.Put(w)
	}
	// Input transform, a tile row and a channel at a time.
	for ci := 0; ci < d.cin; ci++ {
		for ty := ty0; ty < ty0+nb; ty++ {
			d.inputRow(pad, bs, w, ci, ty, T, (ty-ty0)*tw)
		}
	}
	p := new(gemm.Problem) // one allocation for the 16 products, not 16
	for q := 0; q < 16; q++ {
		*p = gemm.Problem{M: d.cout, N: T, K: d.cin, A: d.u[q],
			B: gemm.Matrix{Data: bs.v[q*d.cin*T : (q+1)*d.cin*T], RowStride: T, ColStride: 1},
			C: bs.m[q*d.cout*T : (q+1)*d.cout*T], LDC: T}
		gemm.RunRows(p, ops, m0, m1)
	}
	for o := m0; o < m1; o++ {
		var b0 float32
		if bias != nil {
			b0 = bias[o]
		}
		yo := y[o*d.oh*d.ow:]
		for ty := ty0; ty < ty0+nb; ty++ {
			d.outputRow(bs, w, o, ty, T, (ty-ty0)*tw, yo, b0)
		}
	}
}

// inputRow transforms tile row ty of channel ci into V, at column col of
// each of the 16 matrices.
func (d *winoConv) inputRow(pad []float32, bs *winoBand, w *winoRows, ci, ty, T, col int) {
	ops, tw := d.ops, d.tw
	if ops.WinoIn != nil { // one fused call (AVX-512)
		ops.WinoIn(bs.v[ci*T+col:], d.cin*T, pad[ci*d.hp*d.wp+2*ty*d.wp:], d.wp, tw)
		return
	}
	for i := 0; i < 4; i++ {
		row := pad[ci*d.hp*d.wp+(2*ty+i)*d.wp:][:d.wp]
		ops.Deinterleave2(w.e[i*(tw+1):(i+1)*(tw+1)], w.o[i*(tw+1):(i+1)*(tw+1)], row)
		E0, E1 := w.e[i*(tw+1):][:tw], w.e[i*(tw+1)+1:][:tw]
		O0, O1 := w.o[i*(tw+1):][:tw], w.o[i*(tw+1)+1:][:tw]
		r := w.r[4*i*tw:]
		ops.Sub(r[0:tw], E0, E1)
		ops.Add(r[tw:2*tw], O0, E1)
		ops.Sub(r[2*tw:3*tw], E1, O0)
		ops.Sub(r[3*tw:4*tw], O0, O1)
	}
	for nu := 0; nu < 4; nu++ {
		dbr := func(i int) []float32 { return w.r[(4*i+nu)*tw:][:tw] }
		v := func(xi int) []float32 { return bs.v[((xi*4+nu)*d.cin+ci)*T+col:][:tw] }
		ops.Sub(v(0), dbr(0), dbr(2))
		ops.Add(v(1), dbr(1), dbr(2))
		ops.Sub(v(2), dbr(2), dbr(1))
		ops.Sub(v(3), dbr(1), dbr(3))
	}
}

// outputRow transforms tile row ty of output channel o back into output
// rows 2ty and 2ty+1 of yo, adding the bias.
func (d *winoConv) outputRow(bs *winoBand, w *winoRows, o, ty, T, col int, yo []float32, b0 float32) {
	ops, tw := d.ops, d.tw
	if ops.WinoOut != nil { // one fused call (AVX-512)
		rows := min(2, d.oh-2*ty)
		y := yo[2*ty*d.ow : (2*ty+rows)*d.ow]
		ops.WinoOut(y, d.ow, rows, bs.m[o*T+col:], d.cout*T, tw, b0, d.lo, d.hi)
		if d.post {
			d.act.apply(ops, y) // while the rows are in L1
		}
		return
	}
	m := func(xi, nu int) []float32 { return bs.m[((xi*4+nu)*d.cout+o)*T+col:][:tw] }
	// s[xi][0] = m0+m1+m2, s[xi][1] = m1-m2-m3
	for xi := 0; xi < 4; xi++ {
		s0, s1 := w.s[(2*xi)*tw:][:tw], w.s[(2*xi+1)*tw:][:tw]
		ops.Add(s0, m(xi, 0), m(xi, 1))
		ops.Add(s0, s0, m(xi, 2))
		ops.Sub(s1, m(xi, 1), m(xi, 2))
		ops.Sub(s1, s1, m(xi, 3))
	}
	S := func(xi, j int) []float32 { return w.s[(2*xi+j)*tw:][:tw] }
	for j := 0; j < 2; j++ {
		// y0j = s0j+s1j+s2j into S(0, j); y1j = s1j-s2j-s3j into S(3, j)
		ops.Add(S(0, j), S(0, j), S(1, j))
		ops.Add(S(0, j), S(0, j), S(2, j))
		ops.Sub(S(3, j), S(1, j), S(3, j))
		ops.Sub(S(3, j), S(3, j), S(2, j))
	}
	for r, xi := range [2]int{0, 3} {
		oy := 2*ty + r
		if oy >= d.oh {
			break
		}
		a, bb := S(xi, 0), S(xi, 1)
		dst := yo[oy*d.ow : (oy+1)*d.ow]
		for t := 0; t < tw; t++ {
			dst[2*t] = a[t] + b0
			if 2*t+1 < d.ow {
				dst[2*t+1] = bb[t] + b0
			}
		}
		if d.act.op != graphir.OpInvalid {
			d.act.apply(ops, dst) // while the row is in L1
		}
	}
}
