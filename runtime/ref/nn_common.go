package ref

import (
	"fmt"

	"github.com/edgectl/edgectl/graphir"
)

// Helpers shared by the neural-network kernels (nn_*.go). Their names start
// with nn so they cannot clash with helpers of other kernel files.

// nnInts returns a normalised ints attribute as ints.
func nnInts(n *graphir.Node, name string) []int {
	v := n.Attrs[name].Ints
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

// nnGeom is the geometry of a 2-D sliding window over an NCHW tensor. A 1-D
// op (NCW) is seen as NCHW with H = 1 and a 1-tall window.
type nnGeom struct {
	h, w, oh, ow   int // input and output spatial sizes
	kh, kw         int // kernel
	sh, sw         int // strides
	dh, dw         int // dilations
	padT, padL     int // begin pads
	padB, padR     int // end pads
	n, cIn, cOut   int
	inPlane, plane int // h*w and oh*ow
}

// nnGeometry reads the normalised kernel_shape, strides, dilations and pads
// of n for input shape in and output shape out.
func nnGeometry(n *graphir.Node, in, out graphir.Shape) (nnGeom, error) {
	k, s, d, p := nnInts(n, "kernel_shape"), nnInts(n, "strides"), nnInts(n, "dilations"), nnInts(n, "pads")
	spatial := len(in) - 2
	if spatial < 1 || spatial > 2 || len(out) != len(in) || len(k) != spatial || len(s) != spatial || len(d) != spatial || len(p) != 2*spatial {
		return nnGeom{}, fmt.Errorf("window attributes are not normalised for input %v, output %v", in, out)
	}
	g := nnGeom{n: in[0], cIn: in[1], cOut: out[1]}
	if spatial == 1 {
		g.h, g.oh, g.kh, g.sh, g.dh = 1, 1, 1, 1, 1
		g.w, g.ow, g.kw, g.sw, g.dw = in[2], out[2], k[0], s[0], d[0]
		g.padL, g.padR = p[0], p[1]
	} else {
		g.h, g.w, g.oh, g.ow = in[2], in[3], out[2], out[3]
		g.kh, g.kw, g.sh, g.sw, g.dh, g.dw = k[0], k[1], s[0], s[1], d[0], d[1]
		g.padT, g.padL, g.padB, g.padR = p[0], p[1], p[2], p[3]
	}
	g.inPlane, g.plane = g.h*g.w, g.oh*g.ow
	return g, nil
}

// nnBiasData returns the data of optional input i, or nil.
func nnBiasData(in []*graphir.Tensor, i int) []float32 {
	if i < len(in) && in[i] != nil {
		return in[i].F
	}
	return nil
}
