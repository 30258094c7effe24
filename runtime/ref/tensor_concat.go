package ref

import "github.com/edgectl/edgectl/graphir"

func init() {
	Register(graphir.OpConcat, concatKernel)
	Register(graphir.OpSplit, splitKernel)
}

// concatKernel joins the inputs along the normalised "axis": for each outer
// index it copies one block from every input in turn.
func concatKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	y := out[0]
	axis := int(n.Attrs["axis"].Int)
	outer := y.Shape[:axis].Size()
	inner := y.Shape[axis+1:].Size()
	off := 0
	for o := range outer {
		for _, x := range in {
			block := x.Shape[axis] * inner
			tensorCopy(y, off, x, o*block, block)
			off += block
		}
	}
	return nil
}

// splitKernel cuts the input along the normalised "axis" into the parts of
// attribute "split"; absent outputs (nil) are skipped.
func splitKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x := in[0]
	axis := int(n.Attrs["axis"].Int)
	split := n.Attrs["split"].Ints
	outer := x.Shape[:axis].Size()
	inner := x.Shape[axis+1:].Size()
	row := x.Shape[axis] * inner
	start := 0
	for k, part := range split {
		block := int(part) * inner
		if y := out[k]; y != nil {
			for o := range outer {
				tensorCopy(y, o*block, x, o*row+start, block)
			}
		}
		start += block
	}
	return nil
}
