package graphir

import (
	"fmt"
	"slices"
)

func init() {
	RegisterOp(OpConcat, OpInfo{Infer: inferConcat, FLOPs: tensorNoFLOPs})
	RegisterOp(OpSplit, OpInfo{Infer: inferSplit, FLOPs: tensorNoFLOPs})
	RegisterOp(OpTranspose, OpInfo{Infer: inferTranspose, FLOPs: tensorNoFLOPs})
	RegisterOp(OpFlatten, OpInfo{Infer: inferFlatten, FLOPs: tensorNoFLOPs})
	RegisterOp(OpIdentity, OpInfo{Infer: inferIdentity, FLOPs: tensorNoFLOPs})
	RegisterOp(OpDropout, OpInfo{Infer: inferDropout, FLOPs: tensorNoFLOPs})
}

// inferConcat joins inputs of one type and rank along "axis", which it makes
// non-negative.
func inferConcat(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, -1); err != nil {
		return nil, err
	}
	if err := tensorSameType(n, 0, len(n.Inputs)); err != nil {
		return nil, err
	}
	r := n.Attrs.Reader()
	if !r.Has("axis") {
		return nil, fmt.Errorf("axis attribute is required")
	}
	axis := r.Int("axis", 0)
	if err := r.Err(); err != nil {
		return nil, err
	}
	first := n.In(0).Shape
	ax, err := NormAxis(axis, len(first))
	if err != nil {
		return nil, err
	}
	out := first.Clone()
	for i, in := range n.Inputs[1:] {
		s := in.Shape
		if len(s) != len(first) {
			return nil, fmt.Errorf("input %d has rank %d, input 0 has %d", i+1, len(s), len(first))
		}
		for d := range s {
			if d != ax && s[d] != first[d] {
				return nil, fmt.Errorf("input %d shape %v does not match input 0 shape %v off axis %d", i+1, s, first, ax)
			}
		}
		out[ax] += s[ax]
	}
	tensorSetAttrs(n).SetInt("axis", int64(ax))
	return []ValueType{{n.In(0).DType, out}}, nil
}

// inferSplit normalises "axis" and the part sizes into attribute "split",
// read from the constant split input (opset 13), the split attribute, the
// num_outputs attribute (opset 18, last part smaller) or, failing all, equal
// parts, one per output.
func inferSplit(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 2); err != nil {
		return nil, err
	}
	x := n.In(0)
	r := n.Attrs.Reader()
	axis := r.Int("axis", 0)
	numOut := r.Int("num_outputs", 0)
	if err := r.Err(); err != nil {
		return nil, err
	}
	ax, err := NormAxis(axis, len(x.Shape))
	if err != nil {
		return nil, err
	}
	outs := len(n.Outputs)
	if outs == 0 {
		return nil, fmt.Errorf("has no outputs")
	}
	dim := int64(x.Shape[ax])
	split, ok, err := tensorIntsArg(n, 1, "split")
	if err != nil {
		return nil, err
	}
	switch {
	case ok:
	case numOut != 0:
		if numOut != int64(outs) {
			return nil, fmt.Errorf("num_outputs is %d but the node has %d outputs", numOut, outs)
		}
		chunk := (dim + numOut - 1) / numOut
		split = make([]int64, numOut)
		for i := range split {
			split[i] = min(chunk, dim-chunk*int64(i))
			if split[i] < 0 {
				return nil, fmt.Errorf("dimension %d cannot be split into %d parts", dim, numOut)
			}
		}
	default:
		if dim%int64(outs) != 0 {
			return nil, fmt.Errorf("dimension %d cannot be split into %d equal parts", dim, outs)
		}
		split = make([]int64, outs)
		for i := range split {
			split[i] = dim / int64(outs)
		}
	}
	if len(split) != outs {
		return nil, fmt.Errorf("split has %d parts but the node has %d outputs", len(split), outs)
	}
	types := make([]ValueType, outs)
	var sum int64
	for i, s := range split {
		if s < 0 {
			return nil, fmt.Errorf("negative part %d in split %v", s, split)
		}
		sum += s
		shape := x.Shape.Clone()
		shape[ax] = int(s)
		types[i] = ValueType{x.DType, shape}
	}
	if sum != dim {
		return nil, fmt.Errorf("split %v does not add up to dimension %d", split, dim)
	}
	a := tensorSetAttrs(n)
	a.SetInt("axis", int64(ax))
	a.SetInts("split", slices.Clone(split))
	return types, nil
}

// inferTranspose normalises "perm" (default: reversed axes).
func inferTranspose(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 1); err != nil {
		return nil, err
	}
	x := n.In(0)
	rank := len(x.Shape)
	r := n.Attrs.Reader()
	perm := r.Ints("perm", nil)
	if err := r.Err(); err != nil {
		return nil, err
	}
	if !r.Has("perm") {
		perm = make([]int64, rank)
		for i := range perm {
			perm[i] = int64(rank - 1 - i)
		}
	}
	if len(perm) != rank {
		return nil, fmt.Errorf("perm %v has %d axes, input has rank %d", perm, len(perm), rank)
	}
	axes, err := tensorAxes(perm, rank)
	if err != nil {
		return nil, fmt.Errorf("perm: %w", err)
	}
	out := make(Shape, rank)
	for i, a := range axes {
		out[i] = x.Shape[a]
	}
	tensorSetAttrs(n).SetInts("perm", tensorInts(axes))
	return []ValueType{{x.DType, out}}, nil
}

// inferFlatten makes a 2-D output split at "axis" in [0, rank], which it
// makes non-negative.
func inferFlatten(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 1); err != nil {
		return nil, err
	}
	x := n.In(0)
	rank := len(x.Shape)
	r := n.Attrs.Reader()
	axis := r.Int("axis", 1)
	if err := r.Err(); err != nil {
		return nil, err
	}
	if axis < 0 {
		axis += int64(rank)
	}
	if axis < 0 || axis > int64(rank) {
		return nil, fmt.Errorf("axis %d out of range for rank %d", r.Int("axis", 1), rank)
	}
	tensorSetAttrs(n).SetInt("axis", axis)
	out := Shape{x.Shape[:axis].Size(), x.Shape[axis:].Size()}
	return []ValueType{{x.DType, out}}, nil
}

func inferIdentity(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 1); err != nil {
		return nil, err
	}
	return Same(0)(n)
}

// inferDropout: at inference the output is the input. The ratio is ignored;
// a constant true training_mode is an error, and the mask output is not
// supported (only the first output type is returned).
func inferDropout(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 3); err != nil {
		return nil, err
	}
	if tm := n.In(2); tm != nil {
		if tm.Const == nil {
			return nil, fmt.Errorf("training_mode input %q is not constant", tm.Name)
		}
		for _, v := range tm.Const.AsInts() {
			if v != 0 {
				return nil, fmt.Errorf("training mode is not supported")
			}
		}
	}
	return Same(0)(n)
}
