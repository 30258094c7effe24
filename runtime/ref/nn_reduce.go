package ref

import (
	"math"

	"github.com/edgectl/edgectl/graphir"
)

func init() {
	for _, op := range []graphir.Op{
		graphir.OpReduceMean, graphir.OpReduceMax, graphir.OpReduceMin,
		graphir.OpReduceSum, graphir.OpReduceProd,
	} {
		Register(op, reduceKernel)
	}
}

// nnReduceIndex returns, for each input axis, the stride of the output
// element that input elements along it fold into (0 for reduced axes), and
// how many input elements fold into each output element. keepdims does not
// change the output layout, only its shape.
func nnReduceIndex(in graphir.Shape, axes []int64) (strides []int, count int) {
	reduced := make([]bool, len(in))
	for _, a := range axes {
		reduced[a] = true
	}
	strides = make([]int, len(in))
	acc, count := 1, 1
	for i := len(in) - 1; i >= 0; i-- {
		if reduced[i] {
			count *= in[i]
			continue
		}
		strides[i] = acc
		acc *= in[i]
	}
	return strides, count
}

// reduceKernel folds the normalised axes of float32 or int64 data. An empty
// reduction gives the identity of the fold: 0 for sums, 1 for products,
// -inf/+inf (int64: the extreme values) for max/min, and NaN for the mean.
func reduceKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0], out[0]
	strides, count := nnReduceIndex(x.Shape, n.Attrs["axes"].Ints)
	idx := make([]int, len(x.Shape))
	outIndex := func() int {
		o := 0
		for d, v := range idx {
			o += v * strides[d]
		}
		return o
	}
	next := func() {
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < x.Shape[d] {
				return
			}
			idx[d] = 0
		}
	}
	if x.DType == graphir.Int64 {
		acc := make([]int64, len(y.I))
		for i := range acc {
			acc[i] = nnReduceInitInt(n.Op)
		}
		for i := 0; i < len(x.I); i++ {
			o := outIndex()
			acc[o] = nnFoldInt(n.Op, acc[o], x.I[i])
			next()
		}
		copy(y.I, acc)
		return nil
	}
	acc := make([]float64, len(y.F))
	for i := range acc {
		acc[i] = nnReduceInit(n.Op)
	}
	for i := 0; i < len(x.F); i++ {
		o := outIndex()
		acc[o] = nnFold(n.Op, acc[o], float64(x.F[i]))
		next()
	}
	for i, v := range acc {
		if n.Op == graphir.OpReduceMean {
			v /= float64(count)
		}
		y.F[i] = float32(v)
	}
	return nil
}

func nnReduceInit(op graphir.Op) float64 {
	switch op {
	case graphir.OpReduceProd:
		return 1
	case graphir.OpReduceMax:
		return math.Inf(-1)
	case graphir.OpReduceMin:
		return math.Inf(1)
	}
	return 0
}

func nnFold(op graphir.Op, acc, v float64) float64 {
	switch op {
	case graphir.OpReduceProd:
		return acc * v
	case graphir.OpReduceMax:
		if v > acc || math.IsNaN(v) {
			return v
		}
		return acc
	case graphir.OpReduceMin:
		if v < acc || math.IsNaN(v) {
			return v
		}
		return acc
	}
	return acc + v
}

func nnReduceInitInt(op graphir.Op) int64 {
	switch op {
	case graphir.OpReduceProd:
		return 1
	case graphir.OpReduceMax:
		return math.MinInt64
	case graphir.OpReduceMin:
		return math.MaxInt64
	}
	return 0
}

func nnFoldInt(op graphir.Op, acc, v int64) int64 {
	switch op {
	case graphir.OpReduceProd:
		return acc * v
	case graphir.OpReduceMax:
		return max(acc, v)
	case graphir.OpReduceMin:
		return min(acc, v)
	}
	return acc + v
}
