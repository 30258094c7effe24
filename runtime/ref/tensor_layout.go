package ref

import "github.com/edgectl/edgectl/graphir"

func init() {
	for _, op := range []graphir.Op{
		graphir.OpReshape, graphir.OpFlatten, graphir.OpSqueeze,
		graphir.OpUnsqueeze, graphir.OpIdentity, graphir.OpDropout,
	} {
		Register(op, copyKernel)
	}
	Register(graphir.OpTranspose, transposeKernel)
}

// copyKernel serves ops that keep the row-major data and change only the
// shape (or nothing): output 0 is a copy of input 0.
func copyKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	tensorCopy(out[0], 0, in[0], 0, out[0].Len())
	return nil
}

// transposeKernel reads the input with its strides permuted by "perm".
func transposeKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0], out[0]
	perm := n.Attrs["perm"].Ints
	xs := x.Shape.Strides()
	strides := make([]int, len(perm))
	for i, p := range perm {
		strides[i] = xs[p]
	}
	tensorStrided(y, x, 0, strides)
	return nil
}
