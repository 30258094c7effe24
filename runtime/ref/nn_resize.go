package ref

import (
	"github.com/edgectl/edgectl/graphir"
)

func init() {
	Register(graphir.OpResize, resizeKernel)
	Register(graphir.OpUpsample, resizeKernel)
}

// resizeParams: the node, whose normalised attributes (graphir
// ops_nn_resize.go) give the coordinate maps through graphir.ResizeTaps, the
// one copy of that arithmetic, which tiles of a partitioned run use too.
type resizeParams struct {
	n             *graphir.Node
	extrapolation float64
}

func nnResizeParams(n *graphir.Node) resizeParams {
	return resizeParams{n: n, extrapolation: float64(n.Attrs["extrapolation_value"].Float)}
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
		idx, w, outside := graphir.ResizeTaps(p.n, axis, o, inLen, outLen)
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
