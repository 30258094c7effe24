package kernels

import (
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/internal/stash"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels/internal/par"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

// directConv runs a convolution with few input channels, a network's
// first layer (3 colour planes, K = 27 for 3x3), without im2col: ConvC16
// computes 16 output channels (two vectors of 8) for a block of positions
// at a time, each tap two weight vectors times one input element
// broadcast, reading a zero-padded copy of the image; UnpackC8 writes each
// band of output rows back into the planes. Through the GEMM such a layer
// packs a K x N panel for every 16 columns and runs a 6x16 micro-kernel
// over only 27 steps of K, so fixed costs dominate: MobileNetV2's first
// layer ran at about 20 GFLOP/s there.
type directConv struct {
	*convPlan
	pairs  int                     // blocks of 16 output channels
	wk     []float32               // [pair][tap][16]
	offs   []int32                 // per tap (c, ky, kx): its offset in the padded image
	hp, wp int                     // padded plane
	band   int                     // output rows per ConvC16 call
	gs     int                     // elements between the two 8-channel halves of a band
	lo, hi float32                 // the activation in registers (Relu, Clip), else none
	post   bool                    // the activation runs after, on the output planes
	zeros  []float32               // the bias when there is none
	pads   stash.Stash[*[]float32] // the padded image (its border stays zero)
	outs   stash.Stash[*[]float32] // one thread's output band
}

// Direct convolution applies up to directMaxK taps per output (5x5 on 3
// channels is 75); past that the GEMM's blocking wins.
const (
	directMaxCin = 4
	directMaxK   = 75
)

// prepareDirect returns the direct path of c with weights w, or nil when
// it does not apply.
func prepareDirect(c *convPlan, w []float32) kernelapi.Kernel {
	K := c.cin * c.kh * c.kw
	if c.ops.ConvC16 == nil || c.group != 1 || c.sum || c.cin > directMaxCin || K > directMaxK ||
		c.cout%16 != 0 || (c.sw != 1 && c.sw != 2) || c.pt < 0 || c.pl < 0 {
		return nil
	}
	hp, wp := c.padded()
	padSize := int64(c.cin)*int64(hp)*int64(wp) + int64(c.sw*simd.ConvP)
	if padSize >= 1<<31 {
		return nil
	}
	d := &directConv{convPlan: c, pairs: c.cout / 16, hp: hp, wp: wp, band: max(1, 1024/c.ow), zeros: make([]float32, 16)}
	d.lo, d.hi, d.post = c.act.bounds()
	for ci := 0; ci < c.cin; ci++ {
		for ky := 0; ky < c.kh; ky++ {
			for kx := 0; kx < c.kw; kx++ {
				d.offs = append(d.offs, int32(ci*hp*wp+ky*c.dh*wp+kx*c.dw))
			}
		}
	}
	// w is [cout][cin][kh][kw]: tap t of channel o is w[o*K+t].
	d.wk = make([]float32, d.pairs*K*16)
	for p := 0; p < d.pairs; p++ {
		for t := 0; t < K; t++ {
			for l := 0; l < 16; l++ {
				d.wk[(p*K+t)*16+l] = w[(p*16+l)*K+t]
			}
		}
	}
	// Each half of a band holds its rows and the up to ConvP-1 positions
	// ConvC16 computes past the last row's end.
	d.gs = min(d.band, c.oh)*c.ow*simd.C8 + simd.ConvP*simd.C8
	d.pads.New = func() *[]float32 { b := make([]float32, padSize); return &b }
	d.outs.New = func() *[]float32 { b := make([]float32, 2*d.gs); return &b }
	return d.run
}

// run pads each image, then computes its bands of rows for every block of
// 16 output channels, chunks of the (block, band) tasks handed out to the
// threads.
func (d *directConv) run(_ *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0].F, out[0].F
	var bias []float32
	if len(in) > 2 && in[2] != nil {
		bias = in[2].F
	}
	pad := d.pads.Get()
	defer d.pads.Put(pad)
	inPlane, outPlane := d.h*d.w, d.oh*d.ow
	bands := (d.oh + d.band - 1) / d.band
	tasks := d.pairs * bands
	K := len(d.offs)
	threads := par.Chunks(d.threads, float64(tasks*d.band*d.ow*K*32), 1<<16)
	for b := 0; b < d.batch; b++ {
		d.padImage(*pad, x[b*d.cin*inPlane:], threads)
		par.Blocks(threads, tasks, 1, parChunks, func(lo, hi int) {
			o := d.outs.Get()
			for task := lo; task < hi; task++ {
				p, oy0 := task/bands, task%bands*d.band
				rows := min(d.band, d.oh-oy0)
				b16 := d.zeros
				if bias != nil {
					b16 = bias[p*16 : p*16+16]
				}
				d.ops.ConvC16(*o, (*pad)[oy0*d.sh*d.wp:], d.offs, d.wk[p*K*16:(p+1)*K*16], b16,
					rows, d.ow, d.ow*simd.C8, d.sh*d.wp, d.gs, d.sw, d.lo, d.hi)
				for g := 0; g < 2; g++ {
					plane := (b*d.cout + p*16 + g*simd.C8) * outPlane
					d.ops.UnpackC8(y[plane+oy0*d.ow:], (*o)[g*d.gs:], 1, rows*d.ow, 0, 0, outPlane)
					if d.post {
						for l := 0; l < simd.C8; l++ {
							d.act.apply(d.ops, y[plane+l*outPlane+oy0*d.ow:plane+l*outPlane+(oy0+rows)*d.ow])
						}
					}
				}
			}
			d.outs.Put(o)
		})
	}
	return nil
}

// padImage copies the cin planes of one image into the padded scratch
// (whose border stays zero), blocks of rows on at most threads goroutines:
// on one, MobileNetV2's 3x224x224 image took ~15% of its first layer at 2
// threads, with the other core idle.
func (d *directConv) padImage(pad, x []float32, threads int) {
	inPlane := d.h * d.w
	par.Blocks(threads, d.cin*d.h, 1, parChunks, func(lo, hi int) {
		for lo < hi {
			ci, iy := lo/d.h, lo%d.h
			end := min(hi, (ci+1)*d.h)
			d.ops.CopyRows(pad[ci*d.hp*d.wp+(d.pt+iy)*d.wp+d.pl:], x[ci*inPlane+iy*d.w:], end-lo, d.w, d.wp, d.w)
			lo = end
		}
	})
}
