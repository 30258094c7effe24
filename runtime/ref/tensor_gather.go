package ref

import (
	"fmt"

	"github.com/edgectl/edgectl/graphir"
)

func init() {
	Register(graphir.OpGather, gatherKernel)
}

// gatherKernel copies, for each outer index and each index value, one inner
// block of the data along the normalised "axis"; negative indices count from
// the end, and out-of-range ones are an error.
func gatherKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	data, idx, y := in[0], in[1], out[0]
	axis := int(n.Attrs["axis"].Int)
	dim := data.Shape[axis]
	outer := data.Shape[:axis].Size()
	inner := data.Shape[axis+1:].Size()
	off := 0
	for o := range outer {
		for _, j := range idx.I {
			if j < 0 {
				j += int64(dim)
			}
			if j < 0 || j >= int64(dim) {
				return fmt.Errorf("index %d out of range for axis %d of size %d", j, axis, dim)
			}
			tensorCopy(y, off, data, (o*dim+int(j))*inner, inner)
			off += inner
		}
	}
	return nil
}
