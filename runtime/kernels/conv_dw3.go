package kernels

import (
	"github.com/edgectl/edgectl/runtime/kernels/internal/par"
)

// dw3 runs a 3x3, stride-1 depthwise convolution with pads of 1 (the
// MobileNets' and most depthwise layers) plane by plane in the planes'
// own layout with DW3S1: 16 output columns per vector, the input rows'
// left and right neighbours loaded shifted under opmasks that zero what
// lies outside the plane, so nothing is packed, padded or unpacked.
// Against the interleaved path (dw8), which copies every input plane into
// an interleaved scratch and the result back, it passes over the data
// once; but a vector of 16 columns is part empty on narrow planes, so
// planes narrower than dw3MinWidth stay interleaved. MobileNetV2's layers, one thread, Zen 5 (interleaved ->
// planar): 32x112x112 144 -> 73-90 us, 144x56x56 150-158 -> 110-111,
// 192x28x28 53-59 -> 37-41, but 576x14x14 35-36 -> 39-40 (14 of 16
// lanes, and a block of rows is as long as the plane is wide).
type dw3 struct {
	c      *convPlan
	w      []float32 // [cout][9]
	zero   []float32 // a row of zeros: the rows above and below a plane
	lo, hi float32   // the activation in registers (Relu, Clip), else none
	post   bool      // the activation runs after, on the output planes
}

// dw3MinWidth is the narrowest plane dw3 takes (a variable so that
// BenchmarkMobileNetV2DepthwisePlanar can compare both paths in one run).
var dw3MinWidth = 16

// prepareDW3 returns the planar 3x3 path of c, or nil when it does not
// apply: no DW3S1 in this tier, another shape, stride, dilation or pads,
// a channel multiplier, or planes narrower than dw3MinWidth.
func prepareDW3(c *convPlan, w []float32) *dw3 {
	if c.ops.DW3S1 == nil || c.coutG != 1 || c.cinG != 1 || c.kh != 3 || c.kw != 3 || c.sh != 1 || c.sw != 1 ||
		c.dh != 1 || c.dw != 1 || c.pt != 1 || c.pl != 1 || c.oh != c.h || c.ow != c.w || c.w < dw3MinWidth {
		return nil
	}
	p := &dw3{c: c, w: w, zero: make([]float32, c.w)}
	p.lo, p.hi, p.post = c.act.bounds()
	return p
}

// run computes every output plane, chunks of planes handed out to the
// threads.
func (p *dw3) run(x, y, bias []float32) {
	c := p.c
	plane, planes := c.h*c.w, c.batch*c.cout
	threads := par.Chunks(c.threads, float64(planes*plane*9), 1<<15)
	par.Blocks(threads, planes, 1, parChunks, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			oc := i % c.cout
			var b float32
			if bias != nil {
				b = bias[oc]
			}
			yp := y[i*plane : (i+1)*plane]
			c.ops.DW3S1(yp, x[i*plane:(i+1)*plane], p.zero, p.w[oc*9:(oc+1)*9], c.h, c.w, 0, c.h, b, p.lo, p.hi)
			if p.post {
				c.act.apply(c.ops, yp)
			}
		}
	})
}
