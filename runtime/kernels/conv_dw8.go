package kernels

import (
	"github.com/edgectl/edgectl/runtime/internal/stash"
	"github.com/edgectl/edgectl/runtime/kernels/internal/par"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

// dw8 runs a depthwise convolution (one output channel per input channel)
// 8 channels at a time in an interleaved layout, where a position's 8
// channels are one vector: PackC8 copies the 8 input planes into a
// zero-bordered scratch [hp][wp][8], DWC8 computes a band of output rows
// into [rows][ow][8] (a tap is one weight vector and one FMA per position,
// whatever the stride; Relu and Clip applied in registers), and UnpackC8
// writes the band back into the 8 output planes. Against the per-plane
// path (dwConv.run) it makes no per-plane calls and no passes over whole
// planes, which dominate the small planes of MobileNets, and needs no
// column deinterleave for stride 2. Channels past the last multiple of 8
// stay on the per-plane path.
type dw8 struct {
	c      *convPlan
	groups int       // channel groups of 8 per image
	wk     []float32 // [group][tap][8]
	offs   []int32   // per tap: its offset in the scratch, (ky*dh*wp + kx*dw)*8
	wp     int       // scratch columns
	band   int       // output rows per DWC8 call
	lo, hi float32   // the activation in registers (Relu, Clip), else none
	post   bool      // the activation runs after, on the output planes
	zeros  []float32 // the bias when there is none
	pool   stash.Stash[*dw8Scratch]
}

// dw8Scratch is one thread's padded input (whose border, never written,
// stays zero) and output band.
type dw8Scratch struct{ in, out []float32 }

// dw8Band is the output band's size in positions: its rows and their
// input rows stay in the L1 and L2 caches between the three calls.
const dw8Band = 512

// prepareDW8 returns the interleaved path of c, or nil when it does not
// apply: a channel multiplier, a column stride other than 1 or 2, a
// negative pad, fewer than 8 channels, or sizes past int32 offsets.
func prepareDW8(c *convPlan, w []float32) *dw8 {
	if c.ops.DWC8 == nil || c.coutG != 1 || c.cout < simd.C8 || (c.sw != 1 && c.sw != 2) || c.pt < 0 || c.pl < 0 {
		return nil
	}
	hp, wp := c.padded()
	if int64(hp)*int64(wp)*simd.C8 >= 1<<31 {
		return nil
	}
	p := &dw8{c: c, groups: c.cout / simd.C8, wp: wp, band: max(1, dw8Band/c.ow), zeros: make([]float32, simd.C8)}
	p.lo, p.hi, p.post = c.act.bounds()
	kk := c.kh * c.kw
	for ky := 0; ky < c.kh; ky++ {
		for kx := 0; kx < c.kw; kx++ {
			p.offs = append(p.offs, int32((ky*c.dh*wp+kx*c.dw)*simd.C8))
		}
	}
	p.wk = make([]float32, p.groups*kk*simd.C8)
	for g := 0; g < p.groups; g++ {
		for t := 0; t < kk; t++ {
			for l := 0; l < simd.C8; l++ {
				p.wk[(g*kk+t)*simd.C8+l] = w[(g*simd.C8+l)*kk+t]
			}
		}
	}
	// DWC8 computes whole blocks of 8 positions: room for the last row's
	// up to 7 extra ones, in the output band and the input it reads.
	slack := 7 * simd.C8
	in, out := hp*wp*simd.C8+c.sw*slack, min(p.band, c.oh)*c.ow*simd.C8+slack
	p.pool.New = func() *dw8Scratch { return &dw8Scratch{in: make([]float32, in), out: make([]float32, out)} }
	return p
}

// run computes output channels [0, 8*groups) of every image, chunks of
// groups handed out to the threads.
func (p *dw8) run(x, y, bias []float32) {
	c := p.c
	tasks := c.batch * p.groups
	threads := par.Chunks(c.threads, float64(tasks*simd.C8*c.oh*c.ow*c.kh*c.kw), 1<<15)
	par.Blocks(threads, tasks, 1, parChunks, func(lo, hi int) {
		s := p.pool.Get()
		for task := lo; task < hi; task++ {
			b, g := task/p.groups, task%p.groups
			p.group(s, x[(b*c.cin+g*simd.C8)*c.h*c.w:], y[(b*c.cout+g*simd.C8)*c.oh*c.ow:], g, bias)
		}
		p.pool.Put(s)
	})
}

// group computes the 8 output planes of group g from its 8 input planes
// (x and y start at the group's first plane), a band of rows at a time.
func (p *dw8) group(s *dw8Scratch, x, y []float32, g int, bias []float32) {
	c := p.c
	ops, kk, inPlane, outPlane := c.ops, c.kh*c.kw, c.h*c.w, c.oh*c.ow
	b8 := p.zeros
	if bias != nil {
		b8 = bias[g*simd.C8 : (g+1)*simd.C8]
	}
	wk := p.wk[g*kk*simd.C8 : (g+1)*kk*simd.C8]
	row := p.wp * simd.C8 // one scratch row
	packed := 0           // input rows packed so far
	for oy0 := 0; oy0 < c.oh; oy0 += p.band {
		rows := min(p.band, c.oh-oy0)
		// The input rows the band's taps reach (past the top pad).
		need := min(c.h, (oy0+rows-1)*c.sh+(c.kh-1)*c.dh+1-c.pt)
		if need > packed {
			ops.PackC8(s.in[(packed+c.pt)*row+c.pl*simd.C8:], x[packed*c.w:], need-packed, c.w, row, c.w, inPlane)
			packed = need
		}
		ops.DWC8(s.out, s.in[oy0*c.sh*row:], p.offs, wk, b8, rows, c.ow, c.ow*simd.C8, c.sh*row, c.sw, p.lo, p.hi)
		ops.UnpackC8(y[oy0*c.ow:], s.out, 1, rows*c.ow, 0, 0, outPlane)
		if p.post {
			for l := 0; l < simd.C8; l++ {
				c.act.apply(ops, y[l*outPlane+oy0*c.ow:l*outPlane+(oy0+rows)*c.ow])
			}
		}
	}
}
