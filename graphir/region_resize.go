package graphir

import "math"

// ResizeTaps returns, for output index o along axis of a normalised Resize
// or Upsample node (input length inLen, output length outLen on that axis),
// the input indices it reads and their weights, in float64; outside reports
// a tf_crop_and_resize coordinate outside the input (the output is then
// extrapolation_value). Indices past the borders are clamped to them. The
// coordinate transform is global: a tile of the output must use the whole
// input's geometry and translate the indices into its crop.
//
// It is the one copy of this arithmetic: the reference kernel (runtime/ref
// nn_resize.go) and the offset-aware tile kernel both call it, so a tile
// reproduces the whole-image result exactly.
func ResizeTaps(n *Node, axis, o, inLen, outLen int) (idx []int, w []float64, outside bool) {
	p := resizeTapParams{
		mode:    n.Attrs["mode"].Str,
		coord:   n.Attrs["coordinate_transformation_mode"].Str,
		nearest: n.Attrs["nearest_mode"].Str,
		cubicA:  float64(n.Attrs["cubic_coeff_a"].Float),
		exclude: n.Attrs["exclude_outside"].Int != 0,
		anti:    n.Attrs["antialias"].Int != 0,
		scales:  n.Attrs["scales"].Floats,
		roi:     n.Attrs["roi"].Floats,
	}
	return p.taps(axis, o, inLen, outLen)
}

type resizeTapParams struct {
	mode, coord, nearest string
	cubicA               float64
	exclude, anti        bool
	scales, roi          []float32
}

func (p *resizeTapParams) scale(axis, inLen, outLen int) float64 {
	s := p.scales[axis]
	exact := float64(outLen) / float64(inLen)
	if float32(exact) == s {
		return exact
	}
	return float64(s)
}

func (p *resizeTapParams) source(axis, o, inLen, outLen int, scale float64) (float64, bool) {
	xo := float64(o)
	width := scale * float64(inLen)
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
		var x float64
		if width == 1 {
			x = (end - start) * float64(inLen-1) / 2
		} else {
			x = xo * (end - start) * float64(inLen-1) / (width - 1)
		}
		x += start * float64(inLen-1)
		return x, x < 0 || x > float64(inLen-1)
	}
	return xo / scale, false
}

func (p *resizeTapParams) taps(axis, o, inLen, outLen int) ([]int, []float64, bool) {
	scale := p.scale(axis, inLen, outLen)
	x, outside := p.source(axis, o, inLen, outLen, scale)
	if outside {
		return nil, nil, true
	}
	base := math.Ceil(x) - 1
	ratio := x - base
	var first int
	var w []float64
	switch p.mode {
	case "nearest":
		return []int{resizeClamp(p.nearestIndex(x, base, ratio, scale), inLen)}, []float64{1}, false
	case "linear":
		first, w = p.linearWeights(ratio, scale)
	default:
		first, w = p.cubicWeights(ratio, scale)
	}
	sum := 0.0
	idx := make([]int, len(w))
	for k := range w {
		j := int(base) + first + k
		if p.exclude && (j < 0 || j >= inLen) {
			w[k] = 0
		}
		idx[k] = resizeClamp(j, inLen)
		sum += w[k]
	}
	if p.exclude && sum != 0 {
		for k := range w {
			w[k] /= sum
		}
	}
	return idx, w, false
}

func (p *resizeTapParams) nearestIndex(x, base, ratio, scale float64) int {
	lo, hi := int(base), int(base)+1
	if ratio == 1 {
		return hi
	}
	switch p.nearest {
	case "simple":
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
	if ratio <= 0.5 {
		return lo
	}
	return hi
}

func (p *resizeTapParams) linearWeights(ratio, scale float64) (int, []float64) {
	if !p.anti || scale >= 1 {
		return 0, []float64{1 - ratio, ratio}
	}
	start := int(math.Floor(-1/scale)) + 1
	w := make([]float64, 2-2*start)
	for k := range w {
		w[k] = math.Max(0, 1-math.Abs((float64(start+k)-ratio)*scale))
	}
	return start, resizeNormalise(w)
}

func (p *resizeTapParams) cubicWeights(ratio, scale float64) (int, []float64) {
	s := 1.0
	if p.anti && scale < 1 {
		s = scale
	}
	start := int(math.Floor(-2/s)) + 1
	w := make([]float64, 2-2*start)
	for k := range w {
		w[k] = resizeCubic(math.Abs((float64(start+k)-ratio)*s), p.cubicA)
	}
	if s < 1 {
		return start, resizeNormalise(w)
	}
	return start, w
}

func resizeCubic(x, a float64) float64 {
	switch {
	case x <= 1:
		return ((a+2)*x-(a+3))*x*x + 1
	case x < 2:
		return ((a*x-5*a)*x+8*a)*x - 4*a
	}
	return 0
}

func resizeNormalise(w []float64) []float64 {
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

func resizeClamp(i, n int) int { return max(0, min(i, n-1)) }
