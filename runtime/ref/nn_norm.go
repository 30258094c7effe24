package ref

import (
	"math"

	"github.com/edgectl/edgectl/graphir"
)

func init() {
	Register(graphir.OpBatchNormalization, batchNormKernel)
	Register(graphir.OpInstanceNormalization, instanceNormKernel)
	Register(graphir.OpLRN, lrnKernel)
}

// nnPlanes returns N, C and the number of elements per (n, c) plane.
func nnPlanes(s graphir.Shape) (n, c, inner int) {
	inner = 1
	for _, d := range s[2:] {
		inner *= d
	}
	return s[0], s[1], inner
}

// batchNormKernel is the inference form:
// y = scale[c] * (x - mean[c]) / sqrt(var[c] + epsilon) + bias[c].
func batchNormKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0], out[0]
	scale, bias, mean, variance := in[1].F, in[2].F, in[3].F, in[4].F
	eps := float64(n.Attrs["epsilon"].Float)
	batch, channels, inner := nnPlanes(x.Shape)
	for b := 0; b < batch; b++ {
		for c := 0; c < channels; c++ {
			k := float64(scale[c]) / math.Sqrt(float64(variance[c])+eps)
			base := (b*channels + c) * inner
			for i := base; i < base+inner; i++ {
				y.F[i] = float32((float64(x.F[i])-float64(mean[c]))*k + float64(bias[c]))
			}
		}
	}
	return nil
}

// instanceNormKernel normalises each (n, c) plane by its own mean and
// (population) variance: y = scale[c] * (x - mean) / sqrt(var + epsilon) + bias[c].
func instanceNormKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0], out[0]
	scale, bias := in[1].F, in[2].F
	eps := float64(n.Attrs["epsilon"].Float)
	batch, channels, inner := nnPlanes(x.Shape)
	for b := 0; b < batch; b++ {
		for c := 0; c < channels; c++ {
			plane := x.F[(b*channels+c)*inner : (b*channels+c+1)*inner]
			mean := 0.0
			for _, v := range plane {
				mean += float64(v)
			}
			mean /= float64(inner)
			variance := 0.0
			for _, v := range plane {
				d := float64(v) - mean
				variance += d * d
			}
			variance /= float64(inner)
			k := float64(scale[c]) / math.Sqrt(variance+eps)
			dst := y.F[(b*channels+c)*inner:]
			for i, v := range plane {
				dst[i] = float32((float64(v)-mean)*k + float64(bias[c]))
			}
		}
	}
	return nil
}

// lrnKernel normalises across channels:
// y = x / (bias + alpha/size * sum of x^2 over channels
// [c - floor((size-1)/2), c + ceil((size-1)/2)]) ^ beta.
func lrnKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0], out[0]
	size := int(n.Attrs["size"].Int)
	alpha := float64(n.Attrs["alpha"].Float)
	beta := float64(n.Attrs["beta"].Float)
	bias := float64(n.Attrs["bias"].Float)
	before, after := (size-1)/2, size/2 // size/2 == ceil((size-1)/2)
	batch, channels, inner := nnPlanes(x.Shape)
	for b := 0; b < batch; b++ {
		for c := 0; c < channels; c++ {
			lo, hi := max(0, c-before), min(channels-1, c+after)
			for i := 0; i < inner; i++ {
				sq := 0.0
				for cc := lo; cc <= hi; cc++ {
					v := float64(x.F[(b*channels+cc)*inner+i])
					sq += v * v
				}
				idx := (b*channels+c)*inner + i
				y.F[idx] = float32(float64(x.F[idx]) / math.Pow(bias+alpha/float64(size)*sq, beta))
			}
		}
	}
	return nil
}
