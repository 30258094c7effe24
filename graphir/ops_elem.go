package graphir

import (
	"fmt"
	"math"
)

// Element types accepted by element-wise ops.
var (
	elemFloatOnly = []DType{Float32}
	elemFloatInt  = []DType{Float32, Int64}
)

// elemParam is a float attribute of an activation with its ONNX default.
type elemParam struct {
	name string
	def  float32
}

func init() {
	unary := []struct {
		op     Op
		types  []DType
		params []elemParam
	}{
		{OpRelu, elemFloatInt, nil},
		{OpLeakyRelu, elemFloatOnly, []elemParam{{"alpha", 0.01}}},
		{OpSigmoid, elemFloatOnly, nil},
		{OpHardSigmoid, elemFloatOnly, []elemParam{{"alpha", 0.2}, {"beta", 0.5}}},
		{OpHardSwish, elemFloatOnly, nil},
		{OpTanh, elemFloatOnly, nil},
		{OpElu, elemFloatOnly, []elemParam{{"alpha", 1}}},
		{OpSelu, elemFloatOnly, []elemParam{
			{"alpha", 1.67326319217681884765625},
			{"gamma", 1.05070102214813232421875},
		}},
		{OpMish, elemFloatOnly, nil},
		{OpSoftplus, elemFloatOnly, nil},
		{OpExp, elemFloatOnly, nil},
		{OpLog, elemFloatOnly, nil},
		{OpSqrt, elemFloatOnly, nil},
		{OpReciprocal, elemFloatOnly, nil},
		{OpErf, elemFloatOnly, nil},
		{OpFloor, elemFloatOnly, nil},
		{OpCeil, elemFloatOnly, nil},
		{OpNeg, elemFloatInt, nil},
		{OpAbs, elemFloatInt, nil},
	}
	for _, u := range unary {
		RegisterOp(u.op, OpInfo{Infer: inferElemUnary(u.types, u.params)})
	}
	RegisterOp(OpPRelu, OpInfo{Infer: inferPRelu})
	RegisterOp(OpClip, OpInfo{Infer: inferClip})
}

// elemCheckType reports an error unless input i of n has one of the types.
func elemCheckType(n *Node, i int, types []DType) error {
	v := n.In(i)
	for _, t := range types {
		if v.DType == t {
			return nil
		}
	}
	return fmt.Errorf("input %d has type %s, which is not supported", i, v.DType)
}

// elemSetDefaults writes every float parameter into n.Attrs, with its ONNX
// default when absent, so kernels read them without defaults.
func elemSetDefaults(n *Node, params []elemParam) error {
	if len(params) == 0 {
		return nil
	}
	r := n.Attrs.Reader()
	vals := make([]float32, len(params))
	for i, p := range params {
		vals[i] = r.Float(p.name, p.def)
	}
	if err := r.Err(); err != nil {
		return err
	}
	if n.Attrs == nil {
		n.Attrs = Attrs{}
	}
	for i, p := range params {
		n.Attrs.SetFloat(p.name, vals[i])
	}
	return nil
}

// inferElemUnary is the infer function of one-input shape-preserving ops.
func inferElemUnary(types []DType, params []elemParam) func(n *Node) ([]ValueType, error) {
	return func(n *Node) ([]ValueType, error) {
		if err := NeedInputs(n, 1, 1); err != nil {
			return nil, err
		}
		if err := elemCheckType(n, 0, types); err != nil {
			return nil, err
		}
		if err := elemSetDefaults(n, params); err != nil {
			return nil, err
		}
		return Same(0)(n)
	}
}

// inferPRelu checks that the slope broadcasts to the input (unidirectional).
func inferPRelu(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 2, 2); err != nil {
		return nil, err
	}
	for i := 0; i < 2; i++ {
		if err := elemCheckType(n, i, elemFloatOnly); err != nil {
			return nil, err
		}
	}
	x, slope := n.In(0), n.In(1)
	b, err := Broadcast(x.Shape, slope.Shape)
	if err != nil || !b.Equal(x.Shape) {
		return nil, fmt.Errorf("slope shape %v does not broadcast to input shape %v", slope.Shape, x.Shape)
	}
	return Same(0)(n)
}

// inferClip normalises the bounds into float attributes "min" and "max"
// (-Inf and +Inf when absent). From opset 11 they are optional inputs, which
// must be constant scalars; if any bound input is present the inputs are
// read, otherwise the attributes (so running Infer again is harmless).
func inferClip(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 3); err != nil {
		return nil, err
	}
	if err := elemCheckType(n, 0, elemFloatInt); err != nil {
		return nil, err
	}
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	if n.In(1) != nil || n.In(2) != nil {
		var err error
		if lo, err = elemClipBound(n, 1, "min", lo); err != nil {
			return nil, err
		}
		if hi, err = elemClipBound(n, 2, "max", hi); err != nil {
			return nil, err
		}
	} else {
		r := n.Attrs.Reader()
		lo = r.Float("min", lo)
		hi = r.Float("max", hi)
		if err := r.Err(); err != nil {
			return nil, err
		}
	}
	if n.Attrs == nil {
		n.Attrs = Attrs{}
	}
	n.Attrs.SetFloat("min", lo)
	n.Attrs.SetFloat("max", hi)
	return Same(0)(n)
}

// elemClipBound reads the optional constant scalar bound input i.
func elemClipBound(n *Node, i int, what string, def float32) (float32, error) {
	if n.In(i) == nil {
		return def, nil
	}
	v, err := ConstFloats(n, i, what)
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("%s input has %d elements, want a scalar", what, len(v))
	}
	return v[0], nil
}
