package graphir

import (
	"fmt"
	"math"
)

func init() {
	RegisterOp(OpConstant, OpInfo{Infer: inferConstant, FLOPs: tensorNoFLOPs})
	RegisterOp(OpConstantOfShape, OpInfo{Infer: inferConstantOfShape, FLOPs: tensorNoFLOPs})
	RegisterOp(OpRange, OpInfo{Infer: inferRange})
}

// inferConstant normalises value_float(s) and value_int(s) into the tensor
// attribute "value", which is the output.
func inferConstant(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 0, 0); err != nil {
		return nil, err
	}
	var t *Tensor
	found := 0
	for _, name := range n.Attrs.Names() {
		a := n.Attrs[name]
		var v *Tensor
		switch {
		case name == "value" && a.Kind == AttrTensor && a.Tensor != nil:
			v = a.Tensor
		case name == "value_float" && a.Kind == AttrFloat:
			v = FromFloats(Shape{}, []float32{a.Float})
		case name == "value_floats" && a.Kind == AttrFloats:
			v = FromFloats(Shape{len(a.Floats)}, append([]float32(nil), a.Floats...))
		case name == "value_int" && a.Kind == AttrInt:
			v = FromInts(Shape{}, []int64{a.Int})
		case name == "value_ints" && a.Kind == AttrInts:
			v = FromInts(Shape{len(a.Ints)}, append([]int64(nil), a.Ints...))
		default:
			return nil, fmt.Errorf("attribute %q of kind %s is not supported", name, a.Kind)
		}
		t = v
		found++
	}
	if found != 1 {
		return nil, fmt.Errorf("needs exactly one value attribute, has %d", found)
	}
	if err := t.Check(); err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	n.Attrs = Attrs{"value": {Kind: AttrTensor, Tensor: t}}
	return []ValueType{{t.DType, t.Shape.Clone()}}, nil
}

// inferConstantOfShape reads the constant shape input; the output has the
// type of the one-element tensor attribute "value" (default float32 0),
// which it stores.
func inferConstantOfShape(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 1); err != nil {
		return nil, err
	}
	dims, err := ConstInts(n, 0, "shape")
	if err != nil {
		return nil, err
	}
	if len(n.In(0).Shape) != 1 {
		return nil, fmt.Errorf("shape input has rank %d, want 1", len(n.In(0).Shape))
	}
	out, err := tensorShapeOf(dims)
	if err != nil {
		return nil, err
	}
	r := n.Attrs.Reader()
	v := r.Tensor("value")
	if err := r.Err(); err != nil {
		return nil, err
	}
	if v == nil {
		v = FromFloats(Shape{1}, []float32{0})
	}
	if err := v.Check(); err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	if v.Len() != 1 {
		return nil, fmt.Errorf("value has %d elements, want 1", v.Len())
	}
	tensorSetAttrs(n)["value"] = Attr{Kind: AttrTensor, Tensor: v}
	return []ValueType{{v.DType, out}}, nil
}

// inferRange counts max(ceil((limit-start)/delta), 0) elements from the
// constant scalar inputs start, limit and delta of one type.
func inferRange(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 3, 3); err != nil {
		return nil, err
	}
	if err := tensorSameType(n, 0, 3); err != nil {
		return nil, err
	}
	var v [3]*Tensor
	for i, name := range []string{"start", "limit", "delta"} {
		in := n.In(i)
		if in.Const == nil {
			return nil, fmt.Errorf("%s input %q is not constant; edgectl needs static shapes", name, in.Name)
		}
		if in.Const.Len() != 1 {
			return nil, fmt.Errorf("%s input has %d elements, want a scalar", name, in.Const.Len())
		}
		v[i] = in.Const
	}
	var count float64
	if n.In(0).DType == Int64 {
		start, limit, delta := v[0].I[0], v[1].I[0], v[2].I[0]
		if delta == 0 {
			return nil, fmt.Errorf("delta is zero")
		}
		count = math.Ceil((float64(limit) - float64(start)) / float64(delta))
		if count > 0 && count <= tensorMaxElems {
			// Exact integer count, free of float rounding.
			if delta > 0 {
				count = float64((limit-start-1)/delta + 1)
			} else {
				count = float64((start-limit-1)/(-delta) + 1)
			}
		}
	} else {
		start, limit, delta := float64(v[0].F[0]), float64(v[1].F[0]), float64(v[2].F[0])
		if delta == 0 {
			return nil, fmt.Errorf("delta is zero")
		}
		count = math.Ceil((limit - start) / delta)
		if math.IsNaN(count) {
			return nil, fmt.Errorf("range from %g to %g by %g is not finite", start, limit, delta)
		}
	}
	count = max(count, 0)
	if count > tensorMaxElems {
		return nil, fmt.Errorf("range of %g elements is too large", count)
	}
	return []ValueType{{n.In(0).DType, Shape{int(count)}}}, nil
}
