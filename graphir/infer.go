package graphir

import "fmt"

// ValueType is the static type of a value.
type ValueType struct {
	DType DType
	Shape Shape
}

// OpInfo describes one op to the rest of the system.
type OpInfo struct {
	// Infer checks the node's inputs and attributes and returns the type of
	// each output. It may normalise n.Attrs so that kernels read one form:
	// explicit pads instead of auto_pad, kernel_shape from the weights,
	// constant axes/pads/scales inputs copied into attributes, negative axes
	// made positive. Inputs that must be constant are read from Value.Const.
	Infer func(n *Node) ([]ValueType, error)
	// FLOPs counts the arithmetic of the node once shapes are known; nil
	// means one operation per output element.
	FLOPs func(n *Node) int64
}

var opInfos [numOps]OpInfo

// RegisterOp installs the description of op; op files call it from init.
func RegisterOp(op Op, info OpInfo) {
	if opInfos[op].Infer != nil {
		panic(fmt.Sprintf("graphir: op %s registered twice", op))
	}
	opInfos[op] = info
}

// Info returns the description of op; ok is false if it has none.
func Info(op Op) (OpInfo, bool) {
	if op >= numOps || opInfos[op].Infer == nil {
		return OpInfo{}, false
	}
	return opInfos[op], true
}

// InferNode runs the op's shape inference, stores the output types, and
// computes the node's cost. Errors name the node.
func InferNode(n *Node) error {
	info, ok := Info(n.Op)
	if !ok {
		return fmt.Errorf("node %s: op has no shape inference", n)
	}
	for i, in := range n.Inputs {
		if in != nil && in.DType == Undefined {
			return fmt.Errorf("node %s: input %d %q has no known type", n, i, in.Name)
		}
	}
	types, err := info.Infer(n)
	if err != nil {
		return fmt.Errorf("node %s: %w", n, err)
	}
	if len(types) < len(n.Outputs) {
		// Optional trailing outputs (e.g. Dropout's mask) may be unsupported.
		for i := len(types); i < len(n.Outputs); i++ {
			if n.Outputs[i] != nil {
				return fmt.Errorf("node %s: output %d %q is not supported", n, i, n.Outputs[i].Name)
			}
		}
	}
	var act int64
	for i, out := range n.Outputs {
		if out == nil {
			continue
		}
		if err := types[i].Shape.Check(); err != nil {
			return fmt.Errorf("node %s: output %q: %w", n, out.Name, err)
		}
		out.DType = types[i].DType
		out.Shape = types[i].Shape
		out.Producer = n
		act += int64(out.Shape.Size()) * int64(out.DType.Size())
	}
	var params int64
	for _, in := range n.Inputs {
		if in != nil && in.Const != nil && in.DType == Float32 {
			params += in.Const.Bytes()
		}
	}
	n.Cost = Cost{ParamBytes: params, ActBytes: act}
	if info.FLOPs != nil {
		n.Cost.FLOPs = info.FLOPs(n)
	} else if len(n.Outputs) > 0 && n.Outputs[0] != nil {
		n.Cost.FLOPs = int64(n.Outputs[0].Shape.Size())
	}
	return nil
}

// Same returns the type of input i unchanged: the infer function of
// shape-preserving ops.
func Same(i int) func(n *Node) ([]ValueType, error) {
	return func(n *Node) ([]ValueType, error) {
		in := n.In(i)
		if in == nil {
			return nil, fmt.Errorf("input %d is missing", i)
		}
		return []ValueType{{in.DType, in.Shape.Clone()}}, nil
	}
}

// NeedInputs checks that inputs [0,min) are present and no more than max
// are given (max < 0: no limit).
func NeedInputs(n *Node, min, max int) error {
	if len(n.Inputs) < min {
		return fmt.Errorf("needs at least %d inputs, has %d", min, len(n.Inputs))
	}
	if max >= 0 && len(n.Inputs) > max {
		return fmt.Errorf("takes at most %d inputs, has %d", max, len(n.Inputs))
	}
	for i := 0; i < min; i++ {
		if n.Inputs[i] == nil {
			return fmt.Errorf("input %d is required", i)
		}
	}
	return nil
}

// ConstInts returns the int64 data of constant input i, or an error saying
// that edgectl needs it constant (static shapes).
func ConstInts(n *Node, i int, what string) ([]int64, error) {
	in := n.In(i)
	if in == nil {
		return nil, fmt.Errorf("%s input %d is missing", what, i)
	}
	if in.Const == nil {
		return nil, fmt.Errorf("%s input %q is not constant; edgectl needs static shapes", what, in.Name)
	}
	return in.Const.AsInts(), nil
}

// ConstFloats returns the float32 data of constant input i.
func ConstFloats(n *Node, i int, what string) ([]float32, error) {
	in := n.In(i)
	if in == nil {
		return nil, fmt.Errorf("%s input %d is missing", what, i)
	}
	if in.Const == nil {
		return nil, fmt.Errorf("%s input %q is not constant; edgectl needs static shapes", what, in.Name)
	}
	if in.Const.DType == Float32 {
		return in.Const.F, nil
	}
	out := make([]float32, len(in.Const.I))
	for j, v := range in.Const.I {
		out[j] = float32(v)
	}
	return out, nil
}

// NormAxis maps a possibly negative axis into [0, rank).
func NormAxis(axis int64, rank int) (int, error) {
	a := int(axis)
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= rank {
		return 0, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	return a, nil
}

// Broadcast returns the multidirectional (numpy) broadcast of shapes.
func Broadcast(shapes ...Shape) (Shape, error) {
	rank := 0
	for _, s := range shapes {
		if len(s) > rank {
			rank = len(s)
		}
	}
	out := make(Shape, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			o := out[off+i]
			switch {
			case d == o || d == 1:
			case o == 1:
				out[off+i] = d
			default:
				return nil, fmt.Errorf("shapes %v cannot be broadcast together", shapes)
			}
		}
	}
	return out, nil
}
