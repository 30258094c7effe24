package graphir

import (
	"strings"
	"testing"
)

func TestReshape_Infer(t *testing.T) {
	tests := []struct {
		name      string
		in        Shape
		shape     []int64
		allowZero int64
		want      Shape
		err       string
	}{
		{"infer -1", Shape{2, 3, 4}, []int64{-1, 4}, 0, Shape{6, 4}, ""},
		{"copy 0", Shape{2, 3, 4}, []int64{0, -1}, 0, Shape{2, 12}, ""},
		{"0 and -1", Shape{2, 3, 4}, []int64{2, 0, 1, -1}, 0, Shape{2, 3, 1, 4}, ""},
		{"allowzero", Shape{0, 3, 4}, []int64{3, 4, 0}, 1, Shape{3, 4, 0}, ""},
		{"allowzero with -1", Shape{0, 3}, []int64{0, -1}, 1, nil, "both 0 and -1"},
		{"two -1", Shape{2, 3}, []int64{-1, -1}, 0, nil, "more than one -1"},
		{"size", Shape{2, 3}, []int64{4, 2}, 0, nil, "cannot reshape"},
		{"not divisible", Shape{2, 3}, []int64{4, -1}, 0, nil, "cannot reshape"},
		{"copy past rank", Shape{6}, []int64{1, 0}, 0, nil, "copies dimension"},
		{"negative", Shape{6}, []int64{-2, -3}, 0, nil, "invalid dimension"},
		{"huge", Shape{6}, []int64{1 << 40, 1 << 40}, 0, nil, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs := Attrs{"allowzero": {Kind: AttrInt, Int: tt.allowZero}}
			n, err := tensorTestNode(OpReshape, 14, attrs, 1, tensorTestVal(Float32, tt.in...), tensorTestInts(tt.shape...))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := n.Outputs[0].Shape; !got.Equal(tt.want) {
				t.Errorf("shape %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := tensorTestNode(OpReshape, 14, nil, 1, tensorTestVal(Float32, 6), tensorTestVal(Int64, 2)); err == nil ||
		!strings.Contains(err.Error(), "not constant") {
		t.Errorf("computed shape: %v", err)
	}
}

func TestSqueezeUnsqueeze_Axes(t *testing.T) {
	x := tensorTestVal(Float32, 1, 3, 1, 5)
	y := tensorTestInfer(t, OpSqueeze, 13, nil, x)
	if !y.Shape.Equal(Shape{3, 5}) || !tensorTestEqualInts(y.Producer.Attrs["axes"].Ints, []int64{0, 2}) {
		t.Errorf("squeeze all: %v %v", y.Shape, y.Producer.Attrs["axes"])
	}
	y = tensorTestInfer(t, OpSqueeze, 13, nil, x, tensorTestInts(-2))
	if !y.Shape.Equal(Shape{1, 3, 5}) || !tensorTestEqualInts(y.Producer.Attrs["axes"].Ints, []int64{2}) {
		t.Errorf("squeeze -2: %v %v", y.Shape, y.Producer.Attrs["axes"])
	}
	y = tensorTestInfer(t, OpSqueeze, 11, Attrs{"axes": {Kind: AttrInts, Ints: []int64{2, 0}}}, x)
	if !y.Shape.Equal(Shape{3, 5}) {
		t.Errorf("squeeze attr: %v", y.Shape)
	}
	if _, err := tensorTestNode(OpSqueeze, 13, nil, 1, x, tensorTestInts(1)); err == nil {
		t.Error("squeezing a dimension of 3 accepted")
	}

	y = tensorTestInfer(t, OpUnsqueeze, 13, nil, tensorTestVal(Float32, 3, 4, 5), tensorTestInts(4, 3))
	if !y.Shape.Equal(Shape{3, 4, 5, 1, 1}) {
		t.Errorf("unsqueeze unsorted: %v", y.Shape)
	}
	y = tensorTestInfer(t, OpUnsqueeze, 13, nil, tensorTestVal(Float32, 3, 4), tensorTestInts(-1, 0))
	if !y.Shape.Equal(Shape{1, 3, 4, 1}) || !tensorTestEqualInts(y.Producer.Attrs["axes"].Ints, []int64{0, 3}) {
		t.Errorf("unsqueeze negative: %v %v", y.Shape, y.Producer.Attrs["axes"])
	}
	y = tensorTestInfer(t, OpUnsqueeze, 11, Attrs{"axes": {Kind: AttrInts, Ints: []int64{0}}}, tensorTestVal(Int64))
	if !y.Shape.Equal(Shape{1}) || y.DType != Int64 {
		t.Errorf("unsqueeze scalar: %s%v", y.DType, y.Shape)
	}
	if _, err := tensorTestNode(OpUnsqueeze, 13, nil, 1, tensorTestVal(Float32, 3), tensorTestInts(0, 0)); err == nil {
		t.Error("repeated axes accepted")
	}
	if _, err := tensorTestNode(OpUnsqueeze, 13, nil, 1, tensorTestVal(Float32, 3)); err == nil {
		t.Error("missing axes accepted")
	}
}

func TestSplit_Parts(t *testing.T) {
	axis1 := Attrs{"axis": {Kind: AttrInt, Int: -1}}
	tests := []struct {
		name  string
		opset int
		attrs Attrs
		in    Shape
		split *Value
		outs  int
		want  []int64
		err   string
	}{
		{"equal", 13, nil, Shape{6}, nil, 3, []int64{2, 2, 2}, ""},
		{"input", 13, axis1, Shape{2, 6}, tensorTestInts(2, 4), 2, []int64{2, 4}, ""},
		{"attr", 11, Attrs{"split": {Kind: AttrInts, Ints: []int64{1, 5}}}, Shape{6}, nil, 2, []int64{1, 5}, ""},
		{"num_outputs uneven", 18, Attrs{"num_outputs": {Kind: AttrInt, Int: 4}}, Shape{7}, nil, 4, []int64{2, 2, 2, 1}, ""},
		{"zero parts", 13, nil, Shape{0}, tensorTestInts(0, 0, 0), 3, []int64{0, 0, 0}, ""},
		{"not equal", 13, nil, Shape{7}, nil, 2, nil, "equal parts"},
		{"bad sum", 13, nil, Shape{6}, tensorTestInts(2, 3), 2, nil, "add up"},
		{"count", 13, nil, Shape{6}, tensorTestInts(2, 2, 2), 2, nil, "3 parts"},
		{"num_outputs too many", 18, Attrs{"num_outputs": {Kind: AttrInt, Int: 4}}, Shape{2}, nil, 4, nil, "cannot be split"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ins := []*Value{tensorTestVal(Float32, tt.in...)}
			if tt.split != nil {
				ins = append(ins, tt.split)
			}
			n, err := tensorTestNode(OpSplit, tt.opset, tt.attrs, tt.outs, ins...)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := n.Attrs["split"].Ints; !tensorTestEqualInts(got, tt.want) {
				t.Errorf("split %v, want %v", got, tt.want)
			}
			ax := n.Attrs["axis"].Int
			for i, o := range n.Outputs {
				if int64(o.Shape[ax]) != tt.want[i] {
					t.Errorf("output %d shape %v", i, o.Shape)
				}
			}
		})
	}
}

func TestLayoutOps_Infer(t *testing.T) {
	y := tensorTestInfer(t, OpTranspose, 13, nil, tensorTestVal(Float32, 2, 3, 4))
	if !y.Shape.Equal(Shape{4, 3, 2}) {
		t.Errorf("transpose default: %v", y.Shape)
	}
	if _, err := tensorTestNode(OpTranspose, 13, Attrs{"perm": {Kind: AttrInts, Ints: []int64{0, 0, 1}}}, 1, tensorTestVal(Float32, 2, 3, 4)); err == nil {
		t.Error("repeated perm accepted")
	}
	for axis, want := range map[int64]Shape{0: {1, 24}, 2: {6, 4}, 3: {24, 1}, -1: {6, 4}, -3: {1, 24}} {
		y := tensorTestInfer(t, OpFlatten, 13, Attrs{"axis": {Kind: AttrInt, Int: axis}}, tensorTestVal(Float32, 2, 3, 4))
		if !y.Shape.Equal(want) {
			t.Errorf("flatten axis %d: %v, want %v", axis, y.Shape, want)
		}
	}
	if _, err := tensorTestNode(OpFlatten, 13, Attrs{"axis": {Kind: AttrInt, Int: 4}}, 1, tensorTestVal(Float32, 2, 3, 4)); err == nil {
		t.Error("flatten axis 4 of rank 3 accepted")
	}
	y = tensorTestInfer(t, OpConcat, 13, Attrs{"axis": {Kind: AttrInt, Int: -1}}, tensorTestVal(Int64, 2, 3), tensorTestVal(Int64, 2, 5))
	if !y.Shape.Equal(Shape{2, 8}) || y.Producer.Attrs["axis"].Int != 1 {
		t.Errorf("concat: %v axis %v", y.Shape, y.Producer.Attrs["axis"])
	}
	if _, err := tensorTestNode(OpConcat, 13, Attrs{"axis": {Kind: AttrInt, Int: 1}}, 1, tensorTestVal(Float32, 2, 3), tensorTestVal(Float32, 3, 3)); err == nil {
		t.Error("concat with mismatched dims accepted")
	}
	if _, err := tensorTestNode(OpConcat, 13, nil, 1, tensorTestVal(Float32, 2)); err == nil {
		t.Error("concat without axis accepted")
	}
	y = tensorTestInfer(t, OpExpand, 13, nil, tensorTestVal(Float32, 3, 1), tensorTestInts(2, 1, 6))
	if !y.Shape.Equal(Shape{2, 3, 6}) {
		t.Errorf("expand: %v", y.Shape)
	}
	y = tensorTestInfer(t, OpTile, 13, nil, tensorTestVal(Float32, 2, 3), tensorTestInts(2, 0))
	if !y.Shape.Equal(Shape{4, 0}) {
		t.Errorf("tile: %v", y.Shape)
	}
	if _, err := tensorTestNode(OpTile, 13, nil, 1, tensorTestVal(Float32, 2, 3), tensorTestInts(2)); err == nil {
		t.Error("tile repeats of wrong length accepted")
	}
}

func TestIndexOps_Infer(t *testing.T) {
	y := tensorTestInfer(t, OpGather, 13, Attrs{"axis": {Kind: AttrInt, Int: -2}}, tensorTestVal(Float32, 3, 4, 5), tensorTestVal(Int64, 2, 2))
	if !y.Shape.Equal(Shape{3, 2, 2, 5}) || y.Producer.Attrs["axis"].Int != 1 {
		t.Errorf("gather: %v", y.Shape)
	}
	y = tensorTestInfer(t, OpGather, 13, nil, tensorTestVal(Int64, 4), &Value{Name: "i", DType: Int64, Shape: Shape{}, Const: FromInts(Shape{}, []int64{-1})})
	if !y.Shape.Equal(Shape{}) || y.DType != Int64 {
		t.Errorf("gather scalar index: %s%v", y.DType, y.Shape)
	}
	if _, err := tensorTestNode(OpGather, 13, nil, 1, tensorTestVal(Float32, 4), tensorTestInts(4)); err == nil {
		t.Error("constant index 4 of 4 accepted")
	}
	if _, err := tensorTestNode(OpGather, 13, nil, 1, tensorTestVal(Float32, 4), tensorTestVal(Float32, 1)); err == nil {
		t.Error("float indices accepted")
	}

	x := tensorTestVal(Float32, 2, 3, 4)
	for _, tt := range []struct {
		start, end *int64
		want       int
	}{
		{nil, nil, 3}, {ptrInt64(1), nil, 2}, {ptrInt64(-10), nil, 3}, {nil, ptrInt64(10), 3},
		{ptrInt64(2), ptrInt64(1), 0}, {ptrInt64(1), ptrInt64(-1), 1},
	} {
		attrs := Attrs{}
		if tt.start != nil {
			attrs.SetInt("start", *tt.start)
		}
		if tt.end != nil {
			attrs.SetInt("end", *tt.end)
		}
		y := tensorTestInfer(t, OpShape, 15, attrs, x)
		if !y.Shape.Equal(Shape{tt.want}) || y.DType != Int64 {
			t.Errorf("shape %v: %s%v, want [%d]", attrs, y.DType, y.Shape, tt.want)
		}
	}

	y = tensorTestInfer(t, OpCast, 13, Attrs{"to": {Kind: AttrInt, Int: 7}}, tensorTestVal(Float32, 2))
	if y.DType != Int64 {
		t.Errorf("cast to 7: %s", y.DType)
	}
	for to, name := range map[int64]string{11: "double", 10: "float16", 9: "bool", 99: "type 99"} {
		_, err := tensorTestNode(OpCast, 13, Attrs{"to": {Kind: AttrInt, Int: to}}, 1, tensorTestVal(Float32, 2))
		if want := "cast to " + name + " is not supported"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("cast to %d: got %v, want %q", to, err, want)
		}
	}
}

func ptrInt64(v int64) *int64 { return &v }

func TestConstOps_Infer(t *testing.T) {
	y := tensorTestInfer(t, OpConstant, 13, Attrs{"value_ints": {Kind: AttrInts, Ints: []int64{1, 2, 3}}})
	if y.DType != Int64 || !y.Shape.Equal(Shape{3}) {
		t.Errorf("value_ints: %s%v", y.DType, y.Shape)
	}
	if v := y.Producer.Attrs["value"].Tensor; v == nil || v.I[2] != 3 {
		t.Errorf("value not normalised: %+v", y.Producer.Attrs)
	}
	y = tensorTestInfer(t, OpConstant, 13, Attrs{"value_float": {Kind: AttrFloat, Float: 2}})
	if y.DType != Float32 || !y.Shape.Equal(Shape{}) {
		t.Errorf("value_float: %s%v", y.DType, y.Shape)
	}
	if _, err := tensorTestNode(OpConstant, 13, Attrs{"value_string": {Kind: AttrString, Str: "a"}}, 1); err == nil {
		t.Error("string constant accepted")
	}
	if _, err := tensorTestNode(OpConstant, 13, nil, 1); err == nil {
		t.Error("constant without value accepted")
	}

	y = tensorTestInfer(t, OpConstantOfShape, 9, nil, tensorTestInts(2, 3))
	if y.DType != Float32 || !y.Shape.Equal(Shape{2, 3}) || y.Producer.Attrs["value"].Tensor.F[0] != 0 {
		t.Errorf("constantofshape default: %s%v", y.DType, y.Shape)
	}
	val := Attrs{"value": {Kind: AttrTensor, Tensor: FromInts(Shape{1}, []int64{7})}}
	y = tensorTestInfer(t, OpConstantOfShape, 9, val, tensorTestInts())
	if y.DType != Int64 || !y.Shape.Equal(Shape{}) {
		t.Errorf("constantofshape scalar: %s%v", y.DType, y.Shape)
	}
	if _, err := tensorTestNode(OpConstantOfShape, 9, nil, 1, tensorTestInts(-1)); err == nil {
		t.Error("negative shape accepted")
	}

	for _, tt := range []struct {
		start, limit, delta int64
		want                int
	}{{0, 10, 3, 4}, {10, 0, -3, 4}, {0, 10, -1, 0}, {5, 5, 1, 0}, {-3, 3, 2, 3}} {
		y := tensorTestInfer(t, OpRange, 11, nil, tensorTestInts(tt.start), tensorTestInts(tt.limit), tensorTestInts(tt.delta))
		if !y.Shape.Equal(Shape{tt.want}) {
			t.Errorf("range(%d, %d, %d): %v, want [%d]", tt.start, tt.limit, tt.delta, y.Shape, tt.want)
		}
	}
	y = tensorTestInfer(t, OpRange, 11, nil, tensorTestScalar(1), tensorTestScalar(2), tensorTestScalar(0.3))
	if !y.Shape.Equal(Shape{4}) || y.DType != Float32 {
		t.Errorf("float range: %s%v", y.DType, y.Shape)
	}
	if _, err := tensorTestNode(OpRange, 11, nil, 1, tensorTestInts(0), tensorTestInts(3), tensorTestInts(0)); err == nil {
		t.Error("zero delta accepted")
	}
}

func TestDropout_Outputs(t *testing.T) {
	y := tensorTestInfer(t, OpDropout, 13, nil, tensorTestVal(Float32, 3), tensorTestScalar(0.5))
	if !y.Shape.Equal(Shape{3}) {
		t.Errorf("shape %v", y.Shape)
	}
	if _, err := tensorTestNode(OpDropout, 13, nil, 2, tensorTestVal(Float32, 3)); err == nil {
		t.Error("mask output accepted")
	}
	train := &Value{Name: "t", DType: Int64, Shape: Shape{}, Const: FromInts(Shape{}, []int64{1})}
	if _, err := tensorTestNode(OpDropout, 13, nil, 1, tensorTestVal(Float32, 3), nil, train); err == nil {
		t.Error("training mode accepted")
	}
}
