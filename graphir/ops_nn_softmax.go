package graphir

import "fmt"

func init() {
	RegisterOp(OpSoftmax, OpInfo{Infer: inferSoftmax, FLOPs: nnPerElement(4)})
	RegisterOp(OpLogSoftmax, OpInfo{Infer: inferSoftmax, FLOPs: nnPerElement(4)})
}

// inferSoftmax handles Softmax and LogSoftmax. It normalises "axis" to a
// positive axis and "coerce_2d": 1 means the opset < 13 form, where the
// input is seen as a matrix [prod(shape[:axis]), prod(shape[axis:])] and
// each row is normalised; 0 means the opset >= 13 form, normalising along
// the single axis. An unknown opset (0) means the current form.
func inferSoftmax(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 1); err != nil {
		return nil, err
	}
	x, err := nnFloatIn(n, 0, "data")
	if err != nil {
		return nil, err
	}
	legacy := n.Opset > 0 && n.Opset < 13
	def := int64(-1)
	if legacy {
		def = 1
	}
	r := n.Attrs.Reader()
	axis := r.Int("axis", def)
	if err := r.Err(); err != nil {
		return nil, err
	}
	rank := len(x.Shape)
	if rank == 0 {
		return nil, fmt.Errorf("input %q is a scalar", x.Name)
	}
	a, err := NormAxis(axis, rank)
	if err != nil {
		return nil, err
	}
	coerce := int64(0)
	if legacy && a < rank-1 {
		coerce = 1
	}
	nnAttrs(n).SetInt("axis", int64(a))
	n.Attrs.SetInt("coerce_2d", coerce)
	return []ValueType{{Float32, x.Shape.Clone()}}, nil
}
