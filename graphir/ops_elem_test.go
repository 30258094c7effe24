package graphir

import (
	"math"
	"strings"
	"testing"
)

func TestElemBinary_Broadcast(t *testing.T) {
	tests := []struct {
		name string
		a, b Shape
		want Shape
	}{
		{"same", Shape{2, 3}, Shape{2, 3}, Shape{2, 3}},
		{"trailing", Shape{2, 3, 4}, Shape{4}, Shape{2, 3, 4}},
		{"both ways", Shape{2, 1, 4}, Shape{3, 1}, Shape{2, 3, 4}},
		{"scalar", Shape{}, Shape{5}, Shape{5}},
		{"zero dim", Shape{0, 3}, Shape{1, 3}, Shape{0, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, op := range []Op{OpAdd, OpSub, OpMul, OpDiv, OpPow, OpSum, OpMax, OpMin, OpMean} {
				a := &Value{Name: "a", DType: Float32, Shape: tt.a}
				b := &Value{Name: "b", DType: Float32, Shape: tt.b}
				y := tensorTestInfer(t, op, 13, nil, a, b)
				if !y.Shape.Equal(tt.want) || y.DType != Float32 {
					t.Errorf("%s: got %s%v, want %v", op, y.DType, y.Shape, tt.want)
				}
			}
		})
	}
}

func TestElemBinary_Errors(t *testing.T) {
	tests := []struct {
		name string
		op   Op
		ins  []*Value
		want string
	}{
		{"no broadcast", OpAdd, []*Value{tensorTestVal(Float32, 2, 3), tensorTestVal(Float32, 4)}, "cannot be broadcast"},
		{"mixed types", OpMul, []*Value{tensorTestVal(Float32, 2), tensorTestVal(Int64, 2)}, "input 1 has type int64"},
		{"one input", OpSub, []*Value{tensorTestVal(Float32, 2)}, "at least 2 inputs"},
		{"int mean", OpMean, []*Value{tensorTestVal(Int64, 2), tensorTestVal(Int64, 2)}, "not supported"},
		{"int pow base", OpPow, []*Value{tensorTestVal(Int64, 2), tensorTestVal(Int64, 2)}, "not supported"},
		{"missing variadic", OpSum, []*Value{tensorTestVal(Float32, 2), nil}, "input 1 is missing"},
		{"int sigmoid", OpSigmoid, []*Value{tensorTestVal(Int64, 2)}, "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tensorTestNode(tt.op, 13, nil, 1, tt.ins...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestElemVariadic_FLOPs(t *testing.T) {
	n, err := tensorTestNode(OpMean, 13, nil, 1, tensorTestVal(Float32, 4), tensorTestVal(Float32, 4), tensorTestVal(Float32, 1))
	if err != nil {
		t.Fatal(err)
	}
	if n.Cost.FLOPs != 12 {
		t.Errorf("FLOPs = %d, want 12", n.Cost.FLOPs)
	}
}

func TestElemUnary_Defaults(t *testing.T) {
	n, err := tensorTestNode(OpSelu, 6, nil, 1, tensorTestVal(Float32, 3))
	if err != nil {
		t.Fatal(err)
	}
	if n.Attrs["alpha"].Float != 1.67326319217681884765625 || n.Attrs["gamma"].Float != 1.05070102214813232421875 {
		t.Errorf("attrs not defaulted: %+v", n.Attrs)
	}
	n, err = tensorTestNode(OpLeakyRelu, 6, Attrs{"alpha": {Kind: AttrFloat, Float: 0.3}}, 1, tensorTestVal(Float32, 3))
	if err != nil || n.Attrs["alpha"].Float != 0.3 {
		t.Errorf("alpha = %v, err %v", n.Attrs["alpha"], err)
	}
	if _, err := tensorTestNode(OpElu, 6, Attrs{"alpha": {Kind: AttrInt, Int: 1}}, 1, tensorTestVal(Float32, 3)); err == nil {
		t.Error("int alpha accepted")
	}
}

func TestClip_Normalise(t *testing.T) {
	inf := float32(math.Inf(1))
	tests := []struct {
		name   string
		opset  int
		attrs  Attrs
		ins    []*Value
		lo, hi float32
	}{
		{"attrs", 6, Attrs{"min": {Kind: AttrFloat, Float: -1}, "max": {Kind: AttrFloat, Float: 2}}, []*Value{tensorTestVal(Float32, 3)}, -1, 2},
		{"no bounds", 13, nil, []*Value{tensorTestVal(Float32, 3)}, -inf, inf},
		{"inputs", 13, nil, []*Value{tensorTestVal(Float32, 3), tensorTestScalar(-1), tensorTestScalar(2)}, -1, 2},
		{"max only", 13, nil, []*Value{tensorTestVal(Float32, 3), nil, tensorTestScalar(2)}, -inf, 2},
		{"min only", 13, nil, []*Value{tensorTestVal(Float32, 3), tensorTestScalar(-1)}, -1, inf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := tensorTestNode(OpClip, tt.opset, tt.attrs, 1, tt.ins...)
			if err != nil {
				t.Fatal(err)
			}
			if lo, hi := n.Attrs["min"].Float, n.Attrs["max"].Float; lo != tt.lo || hi != tt.hi {
				t.Errorf("min, max = %g, %g; want %g, %g", lo, hi, tt.lo, tt.hi)
			}
			if err := InferNode(n); err != nil || n.Attrs["min"].Float != tt.lo || n.Attrs["max"].Float != tt.hi {
				t.Errorf("second infer changed the bounds: %v %+v", err, n.Attrs)
			}
		})
	}
	_, err := tensorTestNode(OpClip, 13, nil, 1, tensorTestVal(Float32, 3), tensorTestVal(Float32))
	if err == nil || !strings.Contains(err.Error(), "not constant") {
		t.Errorf("computed min: got %v, want a not-constant error", err)
	}
}

func TestPRelu_Slope(t *testing.T) {
	y := tensorTestInfer(t, OpPRelu, 9, nil, tensorTestVal(Float32, 2, 3, 4), tensorTestVal(Float32, 3, 1))
	if !y.Shape.Equal(Shape{2, 3, 4}) {
		t.Errorf("shape %v", y.Shape)
	}
	if _, err := tensorTestNode(OpPRelu, 9, nil, 1, tensorTestVal(Float32, 3), tensorTestVal(Float32, 2, 3)); err == nil {
		t.Error("slope that grows the input accepted")
	}
}
