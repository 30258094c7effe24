package graphir

import (
	"reflect"
	"testing"
)

func TestInferGemmMatMul(t *testing.T) {
	nnRunInfer(t, []nnTestCase{
		{name: "gemm", op: OpGemm, in: []*Value{nnTestX(3, 5), nnTestW(5, 4)}, want: Shape{3, 4}},
		{name: "gemm trans", op: OpGemm, attrs: Attrs{"transA": nnInt64(1), "transB": nnInt64(1)}, in: []*Value{nnTestX(5, 3), nnTestW(4, 5), nnTestW(1, 4)}, want: Shape{3, 4}},
		{name: "gemm C column", op: OpGemm, in: []*Value{nnTestX(3, 5), nnTestW(5, 4), nnTestW(3, 1)}, want: Shape{3, 4}},
		{name: "gemm C scalar", op: OpGemm, in: []*Value{nnTestX(3, 5), nnTestW(5, 4), nnTestW()}, want: Shape{3, 4}},
		{name: "gemm C mismatch", op: OpGemm, in: []*Value{nnTestX(3, 5), nnTestW(5, 4), nnTestW(2, 4)}, wantErr: "does not broadcast"},
		{name: "gemm inner", op: OpGemm, in: []*Value{nnTestX(3, 5), nnTestW(4, 5)}, wantErr: "inner dimensions"},
		{name: "gemm rank", op: OpGemm, in: []*Value{nnTestX(1, 3, 5), nnTestW(5, 4)}, wantErr: "matrices"},
		{name: "matmul 1d 1d", op: OpMatMul, in: []*Value{nnTestX(3), nnTestW(3)}, want: Shape{}},
		{name: "matmul 1d 3d", op: OpMatMul, in: []*Value{nnTestX(4), nnTestW(2, 4, 1)}, want: Shape{2, 1}},
		{name: "matmul 4d 1d", op: OpMatMul, in: []*Value{nnTestX(1, 2, 4, 3), nnTestW(3)}, want: Shape{1, 2, 4}},
		{name: "matmul bcast", op: OpMatMul, in: []*Value{nnTestX(3, 1, 3, 4), nnTestW(1, 2, 4, 2)}, want: Shape{3, 2, 3, 2}},
		{name: "matmul inner", op: OpMatMul, in: []*Value{nnTestX(3, 4), nnTestW(3, 4)}, wantErr: "inner dimensions"},
		{name: "matmul batch", op: OpMatMul, in: []*Value{nnTestX(2, 3, 4), nnTestW(3, 4, 2)}, wantErr: "batch axes"},
	})
}

func TestInferSoftmax(t *testing.T) {
	x := nnTestX(2, 3, 4)
	axis := func(axis, coerce int64) func(t *testing.T, n *Node) {
		return func(t *testing.T, n *Node) {
			if n.Attrs["axis"].Int != axis || n.Attrs["coerce_2d"].Int != coerce {
				t.Fatalf("axis %d coerce_2d %d, want %d %d", n.Attrs["axis"].Int, n.Attrs["coerce_2d"].Int, axis, coerce)
			}
		}
	}
	nnRunInfer(t, []nnTestCase{
		{name: "opset 11 default", op: OpSoftmax, opset: 11, in: []*Value{x}, want: Shape{2, 3, 4}, check: axis(1, 1)},
		{name: "opset 11 last", op: OpLogSoftmax, opset: 11, attrs: Attrs{"axis": nnInt64(-1)}, in: []*Value{x}, want: Shape{2, 3, 4}, check: axis(2, 0)},
		{name: "opset 13 default", op: OpSoftmax, opset: 13, in: []*Value{x}, want: Shape{2, 3, 4}, check: axis(2, 0)},
		{name: "opset 13 axis 0", op: OpSoftmax, opset: 13, attrs: Attrs{"axis": nnInt64(0)}, in: []*Value{x}, want: Shape{2, 3, 4}, check: axis(0, 0)},
		{name: "axis range", op: OpSoftmax, opset: 13, attrs: Attrs{"axis": nnInt64(3)}, in: []*Value{x}, wantErr: "out of range"},
	})
}

func TestInferReduce(t *testing.T) {
	x := nnTestX(2, 3, 4)
	nonConst := &Value{Name: "axes", DType: Int64, Shape: Shape{1}}
	nnRunInfer(t, []nnTestCase{
		{name: "attr axes", op: OpReduceMean, opset: 11, attrs: Attrs{"axes": nnInts64(-1, 0)}, in: []*Value{x}, want: Shape{1, 3, 1},
			check: nnWantInts("axes", 0, 2)},
		{name: "input axes", op: OpReduceSum, opset: 13, attrs: Attrs{"keepdims": nnInt64(0)}, in: []*Value{x, nnTestI(1)}, want: Shape{2, 4}},
		{name: "all", op: OpReduceMax, opset: 18, attrs: Attrs{"keepdims": nnInt64(0)}, in: []*Value{x}, want: Shape{},
			check: nnWantInts("axes", 0, 1, 2)},
		{name: "empty input all", op: OpReduceSum, opset: 13, in: []*Value{x, nnTestI()}, want: Shape{1, 1, 1}},
		{name: "noop", op: OpReduceSum, opset: 13, attrs: Attrs{"noop_with_empty_axes": nnInt64(1)}, in: []*Value{x, nnTestI()}, want: Shape{2, 3, 4},
			check: nnWantInts("axes")},
		{name: "int64 prod", op: OpReduceProd, opset: 13, attrs: Attrs{"keepdims": nnInt64(0)}, in: []*Value{{Name: "s", DType: Int64, Shape: Shape{3}}}, want: Shape{}},
		{name: "int64 mean", op: OpReduceMean, opset: 13, in: []*Value{{Name: "s", DType: Int64, Shape: Shape{3}}}, wantErr: "does not support"},
		{name: "repeated", op: OpReduceMin, opset: 11, attrs: Attrs{"axes": nnInts64(1, -2)}, in: []*Value{x}, wantErr: "repeated"},
		{name: "range", op: OpReduceMin, opset: 11, attrs: Attrs{"axes": nnInts64(3)}, in: []*Value{x}, wantErr: "out of range"},
		{name: "not constant", op: OpReduceSum, opset: 13, in: []*Value{x, nonConst}, wantErr: "not constant"},
	})
}

func TestInferNorm(t *testing.T) {
	x := nnTestX(2, 3, 4, 4)
	c := nnTestW(3)
	nnRunInfer(t, []nnTestCase{
		{name: "batchnorm", op: OpBatchNormalization, opset: 15, in: []*Value{x, c, c, c, c}, want: Shape{2, 3, 4, 4},
			check: func(t *testing.T, n *Node) {
				if n.Attrs["epsilon"].Float != 1e-5 {
					t.Fatalf("epsilon %g", n.Attrs["epsilon"].Float)
				}
			}},
		{name: "batchnorm 2-d", op: OpBatchNormalization, opset: 9, in: []*Value{nnTestX(5, 3), c, c, c, c}, want: Shape{5, 3}},
		{name: "batchnorm training", op: OpBatchNormalization, opset: 15, attrs: Attrs{"training_mode": nnInt64(1)}, in: []*Value{x, c, c, c, c}, wantErr: "training_mode 1 is not supported"},
		{name: "batchnorm spatial", op: OpBatchNormalization, opset: 7, attrs: Attrs{"spatial": nnInt64(0)}, in: []*Value{x, c, c, c, c}, wantErr: "spatial 0 is not supported"},
		{name: "batchnorm param", op: OpBatchNormalization, opset: 15, in: []*Value{x, c, c, nnTestW(4), c}, wantErr: "mean input"},
		{name: "instancenorm", op: OpInstanceNormalization, in: []*Value{x, c, c}, want: Shape{2, 3, 4, 4}},
		{name: "instancenorm param", op: OpInstanceNormalization, in: []*Value{x, nnTestW(2), c}, wantErr: "scale input"},
		{name: "lrn", op: OpLRN, attrs: Attrs{"size": nnInt64(3)}, in: []*Value{x}, want: Shape{2, 3, 4, 4}},
		{name: "lrn size", op: OpLRN, in: []*Value{x}, wantErr: `"size" is required`},
	})
}

func TestInferSpace(t *testing.T) {
	b2 := Attrs{"blocksize": nnInt64(2)}
	nnRunInfer(t, []nnTestCase{
		{name: "s2d", op: OpSpaceToDepth, attrs: b2, in: []*Value{nnTestX(2, 2, 6, 4)}, want: Shape{2, 8, 3, 2}},
		{name: "s2d indivisible", op: OpSpaceToDepth, attrs: b2, in: []*Value{nnTestX(2, 2, 5, 4)}, wantErr: "not divisible"},
		{name: "d2s", op: OpDepthToSpace, attrs: b2, in: []*Value{nnTestX(1, 8, 2, 3)}, want: Shape{1, 2, 4, 6}},
		{name: "d2s channels", op: OpDepthToSpace, attrs: b2, in: []*Value{nnTestX(1, 6, 2, 3)}, wantErr: "not divisible"},
		{name: "d2s mode", op: OpDepthToSpace, attrs: Attrs{"blocksize": nnInt64(2), "mode": nnStr("XYZ")}, in: []*Value{nnTestX(1, 8, 2, 3)}, wantErr: `mode "XYZ" is not supported`},
		{name: "blocksize", op: OpSpaceToDepth, in: []*Value{nnTestX(1, 8, 2, 3)}, wantErr: "blocksize"},
	})
}

func TestInferResize(t *testing.T) {
	x := nnTestX(1, 1, 2, 4)
	scales := func(want ...float32) func(t *testing.T, n *Node) {
		return func(t *testing.T, n *Node) {
			if got := n.Attrs["scales"].Floats; !reflect.DeepEqual(got, want) {
				t.Fatalf("scales %v, want %v", got, want)
			}
		}
	}
	nonConst := &Value{Name: "scales", DType: Float32, Shape: Shape{4}}
	nnRunInfer(t, []nnTestCase{
		{name: "scales", op: OpResize, opset: 13, in: []*Value{x, nil, nnTestF(1, 1, 2, 1.5)}, want: Shape{1, 1, 4, 6}, check: scales(1, 1, 2, 1.5)},
		{name: "scales floor", op: OpResize, opset: 13, in: []*Value{x, nil, nnTestF(1, 1, 0.6, 0.6)}, want: Shape{1, 1, 1, 2}},
		{name: "empty roi and scales", op: OpResize, opset: 11, in: []*Value{x, nnTestF(), nnTestF(), nnTestI(1, 1, 3, 8)}, want: Shape{1, 1, 3, 8}, check: scales(1, 1, 1.5, 2)},
		{name: "sizes axes", op: OpResize, opset: 18, attrs: Attrs{"axes": nnInts64(3, 2)}, in: []*Value{x, nil, nil, nnTestI(8, 7)}, want: Shape{1, 1, 7, 8}},
		{name: "not_larger", op: OpResize, opset: 18, attrs: Attrs{"axes": nnInts64(2, 3), "keep_aspect_ratio_policy": nnStr("not_larger")}, in: []*Value{x, nil, nil, nnTestI(4, 4)}, want: Shape{1, 1, 2, 4}, check: scales(1, 1, 1, 1)},
		{name: "not_smaller", op: OpResize, opset: 18, attrs: Attrs{"axes": nnInts64(2, 3), "keep_aspect_ratio_policy": nnStr("not_smaller")}, in: []*Value{x, nil, nil, nnTestI(4, 4)}, want: Shape{1, 1, 4, 8}, check: scales(1, 1, 2, 2)},
		{name: "tf_crop_and_resize", op: OpResize, opset: 13, attrs: Attrs{"coordinate_transformation_mode": nnStr("tf_crop_and_resize")}, in: []*Value{x, nnTestF(0, 0, 0, 0, 1, 1, 1, 0.5), nnTestF(1, 1, 2, 2)}, want: Shape{1, 1, 4, 4},
			check: func(t *testing.T, n *Node) {
				if len(n.Attrs["roi"].Floats) != 8 {
					t.Fatalf("roi %v", n.Attrs["roi"].Floats)
				}
			}},
		{name: "opset 10", op: OpResize, opset: 10, in: []*Value{x, nnTestF(1, 1, 2, 2)}, want: Shape{1, 1, 4, 8},
			check: func(t *testing.T, n *Node) {
				if n.Attrs["coordinate_transformation_mode"].Str != "asymmetric" || n.Attrs["nearest_mode"].Str != "simple" {
					t.Fatalf("opset 10 modes %v", n.Attrs)
				}
			}},
		{name: "mode", op: OpResize, opset: 13, attrs: Attrs{"mode": nnStr("area")}, in: []*Value{x, nil, nnTestF(1, 1, 2, 2)}, wantErr: `resize mode "area" is not supported`},
		{name: "coordinate mode", op: OpResize, opset: 13, attrs: Attrs{"coordinate_transformation_mode": nnStr("corners")}, in: []*Value{x, nil, nnTestF(1, 1, 2, 2)}, wantErr: `coordinate_transformation_mode "corners" is not supported`},
		{name: "both", op: OpResize, opset: 13, in: []*Value{x, nil, nnTestF(1, 1, 2, 2), nnTestI(1, 1, 4, 8)}, wantErr: "exactly one"},
		{name: "neither", op: OpResize, opset: 13, in: []*Value{x}, wantErr: "exactly one"},
		{name: "scales length", op: OpResize, opset: 13, in: []*Value{x, nil, nnTestF(2, 2)}, wantErr: "scales has 2 values"},
		{name: "scales not constant", op: OpResize, opset: 13, in: []*Value{x, nil, nonConst}, wantErr: "not constant"},
		{name: "negative scale", op: OpResize, opset: 13, in: []*Value{x, nil, nnTestF(1, 1, -2, 2)}, wantErr: "not positive"},
		{name: "upsample 7", op: OpUpsample, opset: 7, attrs: Attrs{"scales": nnFloatsA(1, 1, 2, 3)}, in: []*Value{x}, want: Shape{1, 1, 4, 12}},
		{name: "upsample 9", op: OpUpsample, opset: 9, attrs: Attrs{"mode": nnStr("linear")}, in: []*Value{x, nnTestF(1, 1, 2, 2)}, want: Shape{1, 1, 4, 8}},
		{name: "upsample mode", op: OpUpsample, opset: 9, attrs: Attrs{"mode": nnStr("cubic")}, in: []*Value{x, nnTestF(1, 1, 2, 2)}, wantErr: `upsample mode "cubic" is not supported`},
	})
}

// TestInferNN_BadAttributeKinds feeds attributes of the wrong kind to every
// op: inference may fail (for attributes the op reads) or ignore them, but
// never panics.
func TestInferNN_BadAttributeKinds(t *testing.T) {
	x4 := nnTestX(1, 4, 4, 4)
	nodes := map[Op][]*Value{
		OpConv: {x4, nnTestW(4, 4, 3, 3)}, OpConvTranspose: {x4, nnTestW(4, 4, 3, 3)},
		OpMaxPool: {x4}, OpAveragePool: {x4}, OpLRN: {x4}, OpGlobalAveragePool: {x4},
		OpBatchNormalization:    {x4, nnTestW(4), nnTestW(4), nnTestW(4), nnTestW(4)},
		OpInstanceNormalization: {x4, nnTestW(4), nnTestW(4)},
		OpGemm:                  {nnTestX(2, 3), nnTestW(3, 2)}, OpMatMul: {x4, x4},
		OpSoftmax: {x4}, OpLogSoftmax: {x4}, OpReduceSum: {x4}, OpReduceMean: {x4},
		OpResize: {x4, nil, nnTestF(1, 1, 2, 2)}, OpUpsample: {x4},
		OpSpaceToDepth: {x4}, OpDepthToSpace: {x4},
	}
	names := []string{"kernel_shape", "strides", "pads", "dilations", "auto_pad", "group", "ceil_mode",
		"count_include_pad", "epsilon", "size", "alpha", "beta", "bias", "transA", "axis", "axes",
		"keepdims", "noop_with_empty_axes", "mode", "scales", "blocksize", "output_shape", "output_padding",
		"coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "training_mode", "antialias",
		"keep_aspect_ratio_policy"}
	for op, in := range nodes {
		for _, name := range names {
			for _, a := range []Attr{{Kind: AttrTensor}, {Kind: AttrStrings}, {Kind: AttrInts}} {
				n := &Node{Op: op, Opset: 18, Inputs: in, Outputs: []*Value{{Name: "y"}},
					Attrs: Attrs{"kernel_shape": nnInts64(2, 2), "size": nnInt64(3), "blocksize": nnInt64(2)}}
				n.Attrs[name] = a
				_ = InferNode(n)
			}
		}
	}
}
