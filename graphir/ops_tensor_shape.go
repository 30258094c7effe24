package graphir

import (
	"fmt"
	"slices"
)

func init() {
	RegisterOp(OpReshape, OpInfo{Infer: inferReshape, FLOPs: tensorNoFLOPs})
	RegisterOp(OpSqueeze, OpInfo{Infer: inferSqueeze, FLOPs: tensorNoFLOPs})
	RegisterOp(OpUnsqueeze, OpInfo{Infer: inferUnsqueeze, FLOPs: tensorNoFLOPs})
	RegisterOp(OpExpand, OpInfo{Infer: inferExpand, FLOPs: tensorNoFLOPs})
	RegisterOp(OpTile, OpInfo{Infer: inferTile, FLOPs: tensorNoFLOPs})
}

// inferReshape reads the constant shape input: 0 copies the input dimension
// unless allowzero is 1, and one -1 is inferred. Kernels copy the data.
func inferReshape(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 2, 2); err != nil {
		return nil, err
	}
	x := n.In(0)
	target, err := ConstInts(n, 1, "shape")
	if err != nil {
		return nil, err
	}
	r := n.Attrs.Reader()
	allowZero := r.Int("allowzero", 0) != 0
	if err := r.Err(); err != nil {
		return nil, err
	}
	dims := make([]int64, len(target))
	infer := -1
	for i, d := range target {
		switch {
		case d == -1:
			if infer >= 0 {
				return nil, fmt.Errorf("shape %v has more than one -1", target)
			}
			if allowZero && slices.Contains(target, 0) {
				return nil, fmt.Errorf("shape %v has both 0 and -1 with allowzero", target)
			}
			infer = i
			dims[i] = 1
		case d == 0 && !allowZero:
			if i >= len(x.Shape) {
				return nil, fmt.Errorf("shape %v copies dimension %d of input shape %v", target, i, x.Shape)
			}
			dims[i] = int64(x.Shape[i])
		case d < 0:
			return nil, fmt.Errorf("invalid dimension %d in shape %v", d, target)
		default:
			dims[i] = d
		}
	}
	out, err := tensorShapeOf(dims)
	if err != nil {
		return nil, err
	}
	size := x.Shape.Size()
	if infer >= 0 {
		known := out.Size()
		if known == 0 || size%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v into %v", x.Shape, target)
		}
		out[infer] = size / known
	}
	if out.Size() != size {
		return nil, fmt.Errorf("cannot reshape %v into %v", x.Shape, target)
	}
	return []ValueType{{x.DType, out}}, nil
}

// inferSqueeze normalises "axes" (attribute before opset 13, optional
// constant input after; default every axis of size 1) sorted, non-negative.
func inferSqueeze(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 2); err != nil {
		return nil, err
	}
	x := n.In(0)
	axesIn, ok, err := tensorIntsArg(n, 1, "axes")
	if err != nil {
		return nil, err
	}
	var axes []int
	if ok {
		if axes, err = tensorAxes(axesIn, len(x.Shape)); err != nil {
			return nil, err
		}
		for _, a := range axes {
			if x.Shape[a] != 1 {
				return nil, fmt.Errorf("cannot squeeze axis %d of size %d", a, x.Shape[a])
			}
		}
		slices.Sort(axes)
	} else {
		for a, d := range x.Shape {
			if d == 1 {
				axes = append(axes, a)
			}
		}
	}
	out := Shape{}
	for a, d := range x.Shape {
		if !slices.Contains(axes, a) {
			out = append(out, d)
		}
	}
	tensorSetAttrs(n).SetInts("axes", tensorInts(axes))
	return []ValueType{{x.DType, out}}, nil
}

// inferUnsqueeze normalises "axes" (attribute before opset 13, constant
// input after) against the output rank, sorted and non-negative.
func inferUnsqueeze(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 2); err != nil {
		return nil, err
	}
	x := n.In(0)
	axesIn, ok, err := tensorIntsArg(n, 1, "axes")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("axes are required")
	}
	rank := len(x.Shape) + len(axesIn)
	axes, err := tensorAxes(axesIn, rank)
	if err != nil {
		return nil, err
	}
	slices.Sort(axes)
	out := make(Shape, 0, rank)
	next := 0
	for a := range rank {
		if slices.Contains(axes, a) {
			out = append(out, 1)
		} else {
			out = append(out, x.Shape[next])
			next++
		}
	}
	tensorSetAttrs(n).SetInts("axes", tensorInts(axes))
	return []ValueType{{x.DType, out}}, nil
}

// inferExpand broadcasts the input with the constant shape input, both ways.
func inferExpand(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 2, 2); err != nil {
		return nil, err
	}
	x := n.In(0)
	dims, err := ConstInts(n, 1, "shape")
	if err != nil {
		return nil, err
	}
	shape, err := tensorShapeOf(dims)
	if err != nil {
		return nil, err
	}
	out, err := Broadcast(x.Shape, shape)
	if err != nil {
		return nil, err
	}
	if _, err := tensorShapeOf(tensorInts(out)); err != nil {
		return nil, err
	}
	return []ValueType{{x.DType, out}}, nil
}

// inferTile multiplies each dimension by the constant repeats input.
func inferTile(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 2, 2); err != nil {
		return nil, err
	}
	x := n.In(0)
	reps, err := ConstInts(n, 1, "repeats")
	if err != nil {
		return nil, err
	}
	if len(reps) != len(x.Shape) {
		return nil, fmt.Errorf("repeats %v has %d entries, input has rank %d", reps, len(reps), len(x.Shape))
	}
	dims := make([]int64, len(reps))
	for i, r := range reps {
		if r < 0 {
			return nil, fmt.Errorf("negative repeat %d in %v", r, reps)
		}
		if r > tensorMaxElems {
			return nil, fmt.Errorf("repeats %v are too large", reps)
		}
		dims[i] = int64(x.Shape[i]) * r
	}
	out, err := tensorShapeOf(dims)
	if err != nil {
		return nil, err
	}
	return []ValueType{{x.DType, out}}, nil
}
