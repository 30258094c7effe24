package graphir

import "testing"

// tensorTestVal is a computed value of the given type and shape.
func tensorTestVal(dt DType, shape ...int) *Value {
	return &Value{Name: "x", DType: dt, Shape: Shape(shape)}
}

// tensorTestInts is a constant 1-D int64 value.
func tensorTestInts(v ...int64) *Value {
	return &Value{Name: "c", DType: Int64, Shape: Shape{len(v)}, Const: FromInts(Shape{len(v)}, v)}
}

// tensorTestScalar is a constant float32 scalar.
func tensorTestScalar(v float32) *Value {
	return &Value{Name: "s", DType: Float32, Shape: Shape{}, Const: FromFloats(Shape{}, []float32{v})}
}

// tensorTestNode builds a node with outs outputs and runs InferNode.
func tensorTestNode(op Op, opset int, attrs Attrs, outs int, ins ...*Value) (*Node, error) {
	n := &Node{Name: "n", Op: op, Opset: opset, Inputs: ins, Attrs: attrs}
	for range outs {
		n.Outputs = append(n.Outputs, &Value{Name: "y"})
	}
	return n, InferNode(n)
}

// tensorTestInfer infers a one-output node and returns its output.
func tensorTestInfer(t *testing.T, op Op, opset int, attrs Attrs, ins ...*Value) *Value {
	t.Helper()
	n, err := tensorTestNode(op, opset, attrs, 1, ins...)
	if err != nil {
		t.Fatalf("infer: %v", err)
	}
	return n.Outputs[0]
}

func tensorTestEqualInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
