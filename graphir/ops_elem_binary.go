package graphir

import "fmt"

func init() {
	binary := []struct {
		op    Op
		types []DType
	}{
		{OpAdd, elemFloatInt},
		{OpSub, elemFloatInt},
		{OpMul, elemFloatInt},
		{OpDiv, elemFloatInt},
	}
	for _, b := range binary {
		RegisterOp(b.op, OpInfo{Infer: inferElemBinary(b.types)})
	}
	RegisterOp(OpPow, OpInfo{Infer: inferPow})
	variadic := []struct {
		op    Op
		types []DType
	}{
		{OpSum, elemFloatInt},
		{OpMax, elemFloatInt},
		{OpMin, elemFloatInt},
		{OpMean, elemFloatOnly},
	}
	for _, v := range variadic {
		RegisterOp(v.op, OpInfo{Infer: inferElemVariadic(v.types), FLOPs: elemVariadicFLOPs})
	}
}

// inferElemBinary is the infer function of two-input ops with numpy
// broadcasting whose inputs and output share one type.
func inferElemBinary(types []DType) func(n *Node) ([]ValueType, error) {
	return func(n *Node) ([]ValueType, error) {
		if err := NeedInputs(n, 2, 2); err != nil {
			return nil, err
		}
		return elemBroadcastInputs(n, types)
	}
}

// inferElemVariadic is the infer function of Sum, Max, Min and Mean: one or
// more inputs of one type, broadcast together.
func inferElemVariadic(types []DType) func(n *Node) ([]ValueType, error) {
	return func(n *Node) ([]ValueType, error) {
		if err := NeedInputs(n, 1, -1); err != nil {
			return nil, err
		}
		return elemBroadcastInputs(n, types)
	}
}

// elemBroadcastInputs checks that all inputs are present, of one allowed
// type, and broadcast together; it returns the broadcast type.
func elemBroadcastInputs(n *Node, types []DType) ([]ValueType, error) {
	shapes := make([]Shape, len(n.Inputs))
	for i, in := range n.Inputs {
		if in == nil {
			return nil, fmt.Errorf("input %d is missing", i)
		}
		if err := elemCheckType(n, i, types); err != nil {
			return nil, err
		}
		if in.DType != n.Inputs[0].DType {
			return nil, fmt.Errorf("input %d has type %s, input 0 has %s", i, in.DType, n.Inputs[0].DType)
		}
		shapes[i] = in.Shape
	}
	out, err := Broadcast(shapes...)
	if err != nil {
		return nil, err
	}
	return []ValueType{{n.Inputs[0].DType, out}}, nil
}

// inferPow: a float32 base raised to a float32 or int64 exponent.
func inferPow(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 2, 2); err != nil {
		return nil, err
	}
	if err := elemCheckType(n, 0, elemFloatOnly); err != nil {
		return nil, err
	}
	if err := elemCheckType(n, 1, elemFloatInt); err != nil {
		return nil, err
	}
	out, err := Broadcast(n.In(0).Shape, n.In(1).Shape)
	if err != nil {
		return nil, err
	}
	return []ValueType{{Float32, out}}, nil
}

// elemVariadicFLOPs counts one operation per output element for each input
// after the first (and the division of Mean).
func elemVariadicFLOPs(n *Node) int64 {
	if len(n.Outputs) == 0 || n.Outputs[0] == nil {
		return 0
	}
	ops := int64(len(n.Inputs) - 1)
	if n.Op == OpMean {
		ops++
	}
	return ops * int64(n.Outputs[0].Shape.Size())
}
