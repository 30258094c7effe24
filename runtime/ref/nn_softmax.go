package ref

import (
	"math"

	"github.com/edgectl/edgectl/graphir"
)

func init() {
	Register(graphir.OpSoftmax, func(n *graphir.Node, in, out []*graphir.Tensor) error {
		return softmaxKernel(n, in, out, false)
	})
	Register(graphir.OpLogSoftmax, func(n *graphir.Node, in, out []*graphir.Tensor) error {
		return softmaxKernel(n, in, out, true)
	})
}

// softmaxKernel views the input as [outer, d, inner] and normalises along d:
// d is shape[axis] (inner the product of the later axes), or with coerce_2d
// the product of shape[axis:] (inner 1). It subtracts the maximum first so
// large inputs do not overflow.
func softmaxKernel(n *graphir.Node, in, out []*graphir.Tensor, logOut bool) error {
	x, y := in[0], out[0]
	axis := int(n.Attrs["axis"].Int)
	outer, d, inner := 1, 1, 1
	for i, s := range x.Shape {
		switch {
		case i < axis:
			outer *= s
		case i == axis || n.Attrs["coerce_2d"].Int != 0:
			d *= s
		default:
			inner *= s
		}
	}
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			base := o*d*inner + i
			m := math.Inf(-1)
			for j := 0; j < d; j++ {
				m = math.Max(m, float64(x.F[base+j*inner]))
			}
			sum := 0.0
			for j := 0; j < d; j++ {
				sum += math.Exp(float64(x.F[base+j*inner]) - m)
			}
			for j := 0; j < d; j++ {
				v := float64(x.F[base+j*inner]) - m
				if logOut {
					y.F[base+j*inner] = float32(v - math.Log(sum))
				} else {
					y.F[base+j*inner] = float32(math.Exp(v) / sum)
				}
			}
		}
	}
	return nil
}
