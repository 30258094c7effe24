package kernels

import (
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels/internal/par"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

// prepareSlice takes a float32 Slice with unit steps (the crops that tiles
// of a fused block cut out of values several layers read with different
// halos: a DenseNet dense block's tile has hundreds) and copies whole runs
// of the last axis. The reference walks an offset iterator per element.
// Starts and steps are the per-axis attributes graphir's Infer resolves.
func prepareSlice(n *graphir.Node, env kernelapi.Env, ops *simd.Ops) (kernelapi.Kernel, error) {
	x := n.In(0)
	if !floatIn(n, 0) || len(n.Outputs) != 1 || n.Outputs[0] == nil || len(x.Shape) == 0 {
		return nil, nil
	}
	rank := len(x.Shape)
	starts, steps := n.Attrs["starts"].Ints, n.Attrs["steps"].Ints
	if len(starts) != rank || len(steps) != rank {
		return nil, nil
	}
	for _, s := range steps {
		if s != 1 {
			return nil, nil
		}
	}
	xs := x.Shape.Strides()
	base := 0
	for d, s := range starts {
		base += int(s) * xs[d]
	}
	threads := env.Threads
	return func(_ *graphir.Node, in, out []*graphir.Tensor) error {
		src, y := in[0].F, out[0]
		if len(y.F) == 0 {
			return nil
		}
		inner := y.Shape[rank-1]
		rows := len(y.F) / inner
		copyRows := func(lo, hi int) {
			// The source offset of row lo: its index along each outer axis.
			off, idx := base, make([]int, rank-1)
			for d, r := rank-2, lo; d >= 0; d-- {
				idx[d] = r % y.Shape[d]
				r /= y.Shape[d]
				off += idx[d] * xs[d]
			}
			for r := lo; r < hi; r++ {
				copy(y.F[r*inner:(r+1)*inner], src[off:off+inner])
				for d := rank - 2; d >= 0; d-- { // the next row
					idx[d]++
					off += xs[d]
					if idx[d] < y.Shape[d] {
						break
					}
					off -= idx[d] * xs[d]
					idx[d] = 0
				}
			}
		}
		par.Blocks(par.Chunks(threads, float64(len(y.F)), 1<<16), rows, 1, parChunks, copyRows)
		return nil
	}, nil
}
