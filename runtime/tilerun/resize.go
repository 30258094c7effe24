package tilerun

import (
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/partition"
)

// resizeTileKernel computes box outBox of the output of Resize or Upsample
// node n from a crop holding box inBox of its input. It is the reference
// kernel's arithmetic (one axis at a time, last axis first, in float64)
// with every output index mapped through the whole image's coordinate
// transform (graphir.ResizeTaps) and the taps translated into the crop, so
// that a tile equals the same rectangle of the whole output.
func resizeTileKernel(n *graphir.Node, inBox, outBox partition.Box) kernelapi.Kernel {
	inFull, outFull := n.In(0).Shape, n.Outputs[0].Shape
	extrapolation := float64(n.Attrs["extrapolation_value"].Float)
	return func(_ *graphir.Node, in, out []*graphir.Tensor) error {
		x, y := in[0], out[0]
		data := make([]float64, len(x.F))
		for i, v := range x.F {
			data[i] = float64(v)
		}
		shape := x.Shape.Clone()
		for axis := len(shape) - 1; axis >= 0; axis-- {
			data = resizeAxis(data, shape, axis, func(o int) ([]int, []float64, bool) {
				idx, w, outside := graphir.ResizeTaps(n, axis, outBox.Lo[axis]+o, inFull[axis], outFull[axis])
				for k := range idx {
					idx[k] -= inBox.Lo[axis]
				}
				return idx, w, outside
			}, y.Shape[axis], extrapolation)
			shape[axis] = y.Shape[axis]
		}
		for i, v := range data {
			y.F[i] = float32(v)
		}
		return nil
	}
}

// resizeAxis resizes axis of data (of the given shape) to outLen, taking
// the taps of each output index from taps.
func resizeAxis(data []float64, shape graphir.Shape, axis int, taps func(o int) ([]int, []float64, bool), outLen int, extrapolation float64) []float64 {
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
		idx, w, outside := taps(o)
		for b := 0; b < outer; b++ {
			src := data[b*inLen*inner:]
			dst := res[(b*outLen+o)*inner:]
			for i := 0; i < inner; i++ {
				if outside {
					dst[i] = extrapolation
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
