package ref

import "github.com/edgectl/edgectl/graphir"

func init() {
	Register(graphir.OpSlice, sliceKernel)
	Register(graphir.OpPad, padKernel)
	Register(graphir.OpTile, tileKernel)
	Register(graphir.OpExpand, expandKernel)
}

// sliceKernel reads, on each axis, starts[d] + i*steps[d] for i below the
// output dimension (attributes resolved per axis by Infer).
func sliceKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0], out[0]
	starts, steps := n.Attrs["starts"].Ints, n.Attrs["steps"].Ints
	xs := x.Shape.Strides()
	base := 0
	strides := make([]int, len(xs))
	for d := range xs {
		base += int(starts[d]) * xs[d]
		strides[d] = int(steps[d]) * xs[d]
	}
	tensorStrided(y, x, base, strides)
	return nil
}

// padKernel maps each output coordinate back to the input by "mode", with
// "pads" (begins then ends, negative crops) and the fill "value".
func padKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0], out[0]
	pads := n.Attrs["pads"].Ints
	mode := n.Attrs["mode"].Str
	rank := len(x.Shape)
	maps := make([][]int, rank)
	for d := range rank {
		dim, begin := x.Shape[d], int(pads[d])
		m := make([]int, y.Shape[d])
		for o := range m {
			m[o] = graphir.PadSource(o-begin, dim, mode)
		}
		maps[d] = m
	}
	tensorMapped(y, x, maps, n.Attrs["value"].Float)
	return nil
}

// tileKernel reads coordinate o of each axis from o mod dim.
func tileKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0], out[0]
	maps := make([][]int, len(y.Shape))
	for d := range maps {
		m := make([]int, y.Shape[d])
		for o := range m {
			m[o] = o % x.Shape[d]
		}
		maps[d] = m
	}
	tensorMapped(y, x, maps, 0)
	return nil
}

// expandKernel broadcasts the input to the output shape.
func expandKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0], out[0]
	tensorStrided(y, x, 0, graphir.BroadcastStrides(x.Shape, y.Shape))
	return nil
}
