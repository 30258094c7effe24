package ref

import (
	"fmt"

	"github.com/edgectl/edgectl/graphir"
)

// Helpers shared by the neural-network kernels (nn_*.go). Their names start
// with nn so they cannot clash with helpers of other kernel files.

// nnInts returns a normalised ints attribute as ints.
func nnInts(n *graphir.Node, name string) graphir.Shape {
	v := n.Attrs[name].Ints
	out := make(graphir.Shape, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

// nnWindow is the normalised geometry of a sliding-window op: kernel,
// strides, dilations and begin pads, one per spatial axis.
type nnWindow struct {
	kernel, strides, dilations, pads graphir.Shape
}

// nnWindowOf reads the normalised kernel_shape, strides, dilations and pads
// of n for an input of the given rank.
func nnWindowOf(n *graphir.Node, rank int) (nnWindow, error) {
	k, s, d, p := nnInts(n, "kernel_shape"), nnInts(n, "strides"), nnInts(n, "dilations"), nnInts(n, "pads")
	spatial := rank - 2
	if spatial < 1 || len(k) != spatial || len(s) != spatial || len(d) != spatial || len(p) != 2*spatial {
		return nnWindow{}, fmt.Errorf("window attributes of %s are not normalised for rank %d", n, rank)
	}
	return nnWindow{kernel: k, strides: s, dilations: d, pads: p[:spatial]}, nil
}

// nnTap pairs a kernel element with a data element, as offsets into the
// row-major kernel and into one row-major spatial plane.
type nnTap struct{ k, at int }

// taps lists, for the window at position pos (a row-major offset into a
// plane of shape posShape), the kernel elements whose data position
//
//	at[a] = pos[a]*stride[a] - pad[a] + k[a]*dilation[a]
//
// falls inside a plane of shape limit. For a convolution pos is an output
// position and limit the input; for a transposed convolution pos is an
// input position and limit the output.
func (w nnWindow) taps(pos int, posShape, limit graphir.Shape) []nnTap {
	spatial := len(w.kernel)
	idx := make([]int, spatial)
	for a := spatial - 1; a >= 0; a-- {
		idx[a], pos = pos%posShape[a], pos/posShape[a]
	}
	kStrides, atStrides := w.kernel.Strides(), limit.Strides()
	out := []nnTap{{}}
	for a := 0; a < spatial; a++ {
		var next []nnTap
		for _, t := range out {
			for k := 0; k < w.kernel[a]; k++ {
				at := idx[a]*w.strides[a] - w.pads[a] + k*w.dilations[a]
				if at >= 0 && at < limit[a] {
					next = append(next, nnTap{t.k + k*kStrides[a], t.at + at*atStrides[a]})
				}
			}
		}
		out = next
	}
	return out
}

// nnBiasData returns the data of optional input i, or nil.
func nnBiasData(in []*graphir.Tensor, i int) []float32 {
	if i < len(in) && in[i] != nil {
		return in[i].F
	}
	return nil
}
