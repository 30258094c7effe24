package graphir

import "fmt"

func init() {
	RegisterOp(OpGather, OpInfo{Infer: inferGather, FLOPs: tensorNoFLOPs})
	RegisterOp(OpShape, OpInfo{Infer: inferShape, FLOPs: tensorNoFLOPs})
	RegisterOp(OpCast, OpInfo{Infer: inferCast})
}

// inferGather takes int64 indices (constant or not) along "axis", which it
// makes non-negative. Constant indices are range-checked here; kernels check
// computed ones.
func inferGather(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 2, 2); err != nil {
		return nil, err
	}
	data, idx := n.In(0), n.In(1)
	if idx.DType != Int64 {
		return nil, fmt.Errorf("indices have type %s, want int64", idx.DType)
	}
	r := n.Attrs.Reader()
	axis := r.Int("axis", 0)
	if err := r.Err(); err != nil {
		return nil, err
	}
	ax, err := NormAxis(axis, len(data.Shape))
	if err != nil {
		return nil, err
	}
	dim := int64(data.Shape[ax])
	if idx.Const != nil {
		for _, i := range idx.Const.I {
			if i < -dim || i >= dim {
				return nil, fmt.Errorf("index %d out of range for axis %d of size %d", i, ax, dim)
			}
		}
	}
	out := make(Shape, 0, len(data.Shape)-1+len(idx.Shape))
	out = append(out, data.Shape[:ax]...)
	out = append(out, idx.Shape...)
	out = append(out, data.Shape[ax+1:]...)
	tensorSetAttrs(n).SetInt("axis", int64(ax))
	return []ValueType{{data.DType, out}}, nil
}

// inferShape returns the input's dimensions [start, end) as int64 (opset 15
// start and end, negative from the back, clamped); it stores the resolved
// non-negative "start" and "end".
func inferShape(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 1); err != nil {
		return nil, err
	}
	rank := int64(len(n.In(0).Shape))
	r := n.Attrs.Reader()
	start := r.Int("start", 0)
	end := r.Int("end", rank)
	if err := r.Err(); err != nil {
		return nil, err
	}
	if start < 0 {
		start += rank
	}
	if end < 0 {
		end += rank
	}
	start, end = clampInt64(start, 0, rank), clampInt64(end, 0, rank)
	end = max(start, end)
	a := tensorSetAttrs(n)
	a.SetInt("start", start)
	a.SetInt("end", end)
	return []ValueType{{Int64, Shape{int(end - start)}}}, nil
}

// castTypeNames names the ONNX TensorProto data types, for errors.
var castTypeNames = map[int64]string{
	0: "undefined", 1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16",
	6: "int32", 7: "int64", 8: "string", 9: "bool", 10: "float16", 11: "double",
	12: "uint32", 13: "uint64", 14: "complex64", 15: "complex128", 16: "bfloat16",
}

// inferCast converts to float32 (ONNX type 1) or int64 (7); any other target
// is an error "cast to <type> is not supported".
func inferCast(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 1); err != nil {
		return nil, err
	}
	r := n.Attrs.Reader()
	if !r.Has("to") {
		return nil, fmt.Errorf("attribute \"to\" is required")
	}
	to := r.Int("to", 0)
	if err := r.Err(); err != nil {
		return nil, err
	}
	var dt DType
	switch to {
	case 1:
		dt = Float32
	case 7:
		dt = Int64
	default:
		name, ok := castTypeNames[to]
		if !ok {
			name = fmt.Sprintf("type %d", to)
		}
		return nil, fmt.Errorf("cast to %s is not supported", name)
	}
	return []ValueType{{dt, n.In(0).Shape.Clone()}}, nil
}
