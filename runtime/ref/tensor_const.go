package ref

import (
	"github.com/edgectl/edgectl/graphir"
)

func init() {
	Register(graphir.OpConstant, constantKernel)
	Register(graphir.OpConstantOfShape, constantOfShapeKernel)
	Register(graphir.OpRange, rangeKernel)
	Register(graphir.OpShape, shapeKernel)
	Register(graphir.OpCast, castKernel)
}

// constantKernel copies the normalised tensor attribute "value".
func constantKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	v := n.Attrs["value"].Tensor
	tensorCopy(out[0], 0, v, 0, v.Len())
	return nil
}

// constantOfShapeKernel fills the output with the one element of "value".
func constantOfShapeKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	v, y := n.Attrs["value"].Tensor, out[0]
	if y.DType == graphir.Int64 {
		for i := range y.I {
			y.I[i] = v.I[0]
		}
		return nil
	}
	for i := range y.F {
		y.F[i] = v.F[0]
	}
	return nil
}

// rangeKernel writes start + i*delta.
func rangeKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	y := out[0]
	if y.DType == graphir.Int64 {
		start, delta := in[0].I[0], in[2].I[0]
		for i := range y.I {
			y.I[i] = start + int64(i)*delta
		}
		return nil
	}
	start, delta := float64(in[0].F[0]), float64(in[2].F[0])
	for i := range y.F {
		y.F[i] = float32(start + float64(i)*delta)
	}
	return nil
}

// shapeKernel writes the input dimensions [start, end).
func shapeKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	start := int(n.Attrs["start"].Int)
	for i := range out[0].I {
		out[0].I[i] = int64(in[0].Shape[start+i])
	}
	return nil
}

// castKernel converts between float32 and int64; float to int truncates
// toward zero.
func castKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0], out[0]
	switch {
	case x.DType == y.DType:
		tensorCopy(y, 0, x, 0, y.Len())
	case y.DType == graphir.Int64:
		for i, v := range x.F {
			y.I[i] = int64(v)
		}
	default:
		for i, v := range x.I {
			y.F[i] = float32(v)
		}
	}
	return nil
}
