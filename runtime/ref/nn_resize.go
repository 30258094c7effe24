package ref

import (
	"math"

	"github.com/edgectl/edgectl/graphir"
)

func init() {
	Register(graphir.OpResize, resizeKernel)
	Register(graphir.OpUpsample, resizeKernel)
}

// resizeParams are the normalised attributes of Resize and Upsample (see
// graphir/ops_nn_resize.go).
type resizeParams struct {
	mode, coord, nearest  string
	cubicA, extrapolation float64
	exclude, antialias    bool
	scales, roi           []float32
}

func nnResizeParams(n *graphir.Node) resizeParams {
	a := n.Attrs
	return resizeParams{
		mode:          a["mode"].Str,
		coord:         a["coordinate_transformation_mode"].Str,
		nearest:       a["nearest_mode"].Str,
		cubicA:        float64(a["cubic_coeff_a"].Float),
		extrapolation: float64(a["extrapolation_value"].Float),
		exclude:       a["exclude_outside"].Int != 0,
		antialias:     a["antialias"].Int != 0,
		scales:        a["scales"].Floats,
		roi:           a["roi"].Floats,
	}
}

// resizeKernel interpolates one axis at a time, from the last axis to the
// first, in float64. Each output coordinate along an axis maps to an input
// coordinate (coordinate_transformation_mode) and reads a few neighbours
// with weights (mode); neighbours outside the input take the edge value.
// This is separable and so equal to interpolating all axes at once.
func resizeKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0], out[0]
	p := nnResizeParams(n)
	data := make([]float64, len(x.F))
	for i, v := range x.F {
		data[i] = float64(v)
	}
	shape := x.Shape.Clone()
	for axis := len(shape) - 1; axis >= 0; axis-- {
		data = p.resizeAxis(data, shape, axis, y.Shape[axis])
		shape[axis] = y.Shape[axis]
	}
	for i, v := range data {
		y.F[i] = float32(v)
	}
	return nil
}

// resizeAxis resizes axis of data (of the given shape) to outLen.
func (p *resizeParams) resizeAxis(data []float64, shape graphir.Shape, axis, outLen int) []float64 {
	outer, inner := 1, 1
	for i, d := range shape {
		if i < axis {
			outer *= d
		} else if i > axis {
			inner *= d
		}
	}
	inLen := shape[axis]
	res := make([]float64, outer*outLen*inner)
	for o := 0; o < outLen; o++ {
		idx, w, outside := p.taps(axis, o, inLen, outLen)
		for b := 0; b < outer; b++ {
			src := data[b*inLen*inner:]
			dst := res[(b*outLen+o)*inner:]
			for i := 0; i < inner; i++ {
				if outside {
					dst[i] = p.extrapolation
					continue
				}
				sum := 0.0
				for k, j := range idx {
					sum += w[k] * src[j*inner+i]
				}
				dst[i] = sum
			}
		}
	}
	return res
}

// scale returns the scale of axis: the stored float32 value, or the exact
// ratio outLen/inLen when the stored value is that ratio rounded.
func (p *resizeParams) scale(axis, inLen, outLen int) float64 {
	s := p.scales[axis]
	exact := float64(outLen) / float64(inLen)
	if float32(exact) == s {
		return exact
	}
	return float64(s)
}

// source maps output coordinate o to an input coordinate; outside reports a
// tf_crop_and_resize coordinate outside the input.
func (p *resizeParams) source(axis, o, inLen, outLen int, scale float64) (x float64, outside bool) {
	xo := float64(o)
	width := scale * float64(inLen) // the resized length before rounding
	switch p.coord {
	case "half_pixel":
		return (xo+0.5)/scale - 0.5, false
	case "half_pixel_symmetric":
		adjust := float64(outLen) / width
		offset := float64(inLen) / 2 * (1 - adjust)
		return offset + (xo+0.5)/scale - 0.5, false
	case "pytorch_half_pixel":
		if outLen > 1 {
			return (xo+0.5)/scale - 0.5, false
		}
		return 0, false
	case "align_corners":
		if width == 1 {
			return 0, false
		}
		return xo * float64(inLen-1) / (width - 1), false
	case "tf_half_pixel_for_nearest":
		return (xo + 0.5) / scale, false
	case "tf_crop_and_resize":
		rank := len(p.scales)
		start, end := float64(p.roi[axis]), float64(p.roi[rank+axis])
		if width == 1 {
			x = (end - start) * float64(inLen-1) / 2
		} else {
			x = xo * (end - start) * float64(inLen-1) / (width - 1)
		}
		x += start * float64(inLen-1)
		return x, x < 0 || x > float64(inLen-1)
	}
	return xo / scale, false // asymmetric
}

// taps returns the input indices and weights for output coordinate o.
func (p *resizeParams) taps(axis, o, inLen, outLen int) (idx []int, w []float64, outside bool) {
	scale := p.scale(axis, inLen, outLen)
	x, outside := p.source(axis, o, inLen, outLen, scale)
	if outside {
		return nil, nil, true
	}
	// x = base + ratio with ratio in (0, 1]: an integer x is reached from
	// the left, as the ONNX reference does.
	base := math.Ceil(x) - 1
	ratio := x - base
	var first int
	switch p.mode {
	case "nearest":
		return []int{nnClamp(p.nearestIndex(x, base, ratio, scale), inLen)}, []float64{1}, false
	case "linear":
		first, w = p.linearWeights(ratio, scale)
	default:
		first, w = p.cubicWeights(ratio, scale)
	}
	sum := 0.0
	idx = make([]int, len(w))
	for k := range w {
		j := int(base) + first + k
		if p.exclude && (j < 0 || j >= inLen) {
			w[k] = 0
		}
		idx[k] = nnClamp(j, inLen)
		sum += w[k]
	}
	if p.exclude && sum != 0 {
		for k := range w {
			w[k] /= sum
		}
	}
	return idx, w, false
}

// nearestIndex rounds x = base + ratio by nearest_mode.
func (p *resizeParams) nearestIndex(x, base, ratio, scale float64) int {
	lo, hi := int(base), int(base)+1
	if ratio == 1 {
		return hi // x is an integer
	}
	switch p.nearest {
	case "simple": // opset 10 and Upsample, as onnxruntime does
		if scale < 1 {
			return int(math.Ceil(x))
		}
		return int(x)
	case "floor":
		return lo
	case "ceil":
		return hi
	case "round_prefer_ceil":
		if ratio < 0.5 {
			return lo
		}
		return hi
	}
	if ratio <= 0.5 { // round_prefer_floor
		return lo
	}
	return hi
}

// linearWeights returns the offset of the first tap from base and the tap
// weights; antialias widens the triangle filter by 1/scale when shrinking.
func (p *resizeParams) linearWeights(ratio, scale float64) (int, []float64) {
	if !p.antialias || scale >= 1 {
		return 0, []float64{1 - ratio, ratio}
	}
	start := int(math.Floor(-1/scale)) + 1
	w := make([]float64, 2-2*start)
	for k := range w {
		w[k] = math.Max(0, 1-math.Abs((float64(start+k)-ratio)*scale))
	}
	return start, nnNormalise(w)
}

// cubicWeights returns the cubic convolution taps (coefficient cubic_coeff_a),
// widened by 1/scale with antialias when shrinking.
func (p *resizeParams) cubicWeights(ratio, scale float64) (int, []float64) {
	s := 1.0
	if p.antialias && scale < 1 {
		s = scale
	}
	start := int(math.Floor(-2/s)) + 1
	w := make([]float64, 2-2*start)
	for k := range w {
		w[k] = nnCubic(math.Abs((float64(start+k)-ratio)*s), p.cubicA)
	}
	if s < 1 {
		return start, nnNormalise(w)
	}
	return start, w
}

// nnCubic is the cubic convolution kernel with coefficient a at distance x.
func nnCubic(x, a float64) float64 {
	switch {
	case x <= 1:
		return ((a+2)*x-(a+3))*x*x + 1
	case x < 2:
		return ((a*x-5*a)*x+8*a)*x - 4*a
	}
	return 0
}

func nnNormalise(w []float64) []float64 {
	sum := 0.0
	for _, v := range w {
		sum += v
	}
	if sum != 0 {
		for k := range w {
			w[k] /= sum
		}
	}
	return w
}

func nnClamp(i, n int) int {
	return max(0, min(i, n-1))
}
