package ref

import (
	"fmt"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
)

var kernels = map[graphir.Op]kernelapi.Kernel{}

// Register installs the reference kernel for op; kernel files call it from init.
func Register(op graphir.Op, k kernelapi.Kernel) {
	if _, dup := kernels[op]; dup {
		panic(fmt.Sprintf("ref: kernel for %s registered twice", op))
	}
	kernels[op] = k
}

// Lookup returns the reference kernel for op.
func Lookup(op graphir.Op) (kernelapi.Kernel, bool) {
	k, ok := kernels[op]
	return k, ok
}

// Run allocates the outputs of n from its inferred output types and runs the
// reference kernel.
func Run(n *graphir.Node, in []*graphir.Tensor) ([]*graphir.Tensor, error) {
	k, ok := kernels[n.Op]
	if !ok {
		return nil, fmt.Errorf("node %s: no kernel for op %s", n, n.Op)
	}
	out := make([]*graphir.Tensor, len(n.Outputs))
	for i, v := range n.Outputs {
		if v != nil {
			out[i] = graphir.NewTensor(v.DType, v.Shape)
		}
	}
	if err := k(n, in, out); err != nil {
		return nil, fmt.Errorf("node %s: %w", n, err)
	}
	return out, nil
}
