package graphir

import (
	"fmt"
	"sort"
)

func init() {
	for _, op := range []Op{OpReduceMean, OpReduceMax, OpReduceMin, OpReduceSum, OpReduceProd} {
		RegisterOp(op, OpInfo{Infer: inferReduce, FLOPs: reduceFLOPs})
	}
}

// inferReduce handles the Reduce* ops. Axes come from the "axes" attribute
// or from constant input 1 (ReduceSum from opset 13, the others from opset
// 18); with none, every axis is reduced unless noop_with_empty_axes is set.
//
// It normalises "axes" to the sorted, positive axes actually reduced (empty:
// the op is an identity), "keepdims" to 0 or 1 and "noop_with_empty_axes"
// to 1, so that running it again gives the same result.
func inferReduce(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 2); err != nil {
		return nil, err
	}
	x := n.In(0)
	switch {
	case x.DType == Float32:
	case x.DType == Int64 && n.Op != OpReduceMean:
	default:
		return nil, fmt.Errorf("data input %q is %s, which %s does not support", x.Name, x.DType, n.Op)
	}
	r := n.Attrs.Reader()
	keep := r.Int("keepdims", 1)
	noop := r.Int("noop_with_empty_axes", 0)
	var axes []int64
	given := false
	if r.Has("axes") {
		axes, given = r.Ints("axes", nil), true
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if !given && n.In(1) != nil {
		v, err := ConstInts(n, 1, "axes")
		if err != nil {
			return nil, err
		}
		axes = v
	}
	rank := len(x.Shape)
	norm := make([]int64, 0, rank)
	seen := make(map[int]bool)
	for _, a := range axes {
		p, err := NormAxis(a, rank)
		if err != nil {
			return nil, err
		}
		if seen[p] {
			return nil, fmt.Errorf("axis %d is repeated in axes %v", a, axes)
		}
		seen[p] = true
		norm = append(norm, int64(p))
	}
	if len(axes) == 0 && noop == 0 {
		for i := 0; i < rank; i++ {
			norm = append(norm, int64(i))
			seen[i] = true
		}
	}
	sort.Slice(norm, func(i, j int) bool { return norm[i] < norm[j] })
	var shape Shape
	for i, d := range x.Shape {
		switch {
		case !seen[i]:
			shape = append(shape, d)
		case keep != 0:
			shape = append(shape, 1)
		}
	}
	if shape == nil {
		shape = Shape{}
	}
	nnAttrs(n).SetInts("axes", norm)
	n.Attrs.SetInt("keepdims", nnBool(keep))
	n.Attrs.SetInt("noop_with_empty_axes", 1)
	return []ValueType{{x.DType, shape}}, nil
}

func reduceFLOPs(n *Node) int64 { return nnInSize(n, 0) }
