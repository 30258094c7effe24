package ref

import (
	"path/filepath"
	"testing"
)

// tensorCaseOps are the ONNX op types of the element-wise and tensor kernels.
var tensorCaseOps = []string{
	"Relu", "LeakyRelu", "PRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish",
	"Tanh", "Elu", "Selu", "Mish", "Softplus", "Exp", "Log", "Sqrt", "Reciprocal",
	"Erf", "Floor", "Ceil", "Neg", "Abs",
	"Add", "Sub", "Mul", "Div", "Pow", "Sum", "Max", "Min", "Mean",
	"Concat", "Split", "Slice", "Pad", "Reshape", "Flatten", "Transpose",
	"Squeeze", "Unsqueeze", "Expand", "Tile", "Gather", "Shape", "Cast",
	"ConstantOfShape", "Range", "Identity", "Dropout", "Constant",
}

// TestONNXNodeCases_Tensor runs every conformance case of those ops; cases
// on data types edgectl does not hold skip with the reason.
func TestONNXNodeCases_Tensor(t *testing.T) {
	root := tensorCaseRoot(t)
	idx := tensorCaseIndex(t, root)
	for _, op := range tensorCaseOps {
		for _, name := range idx[op] {
			t.Run(name, func(t *testing.T) {
				runTensorCase(t, filepath.Join(root, name), tensorCaseOpts{})
			})
		}
	}
}

// TestONNXNodeCases_WidenedInts reruns integer cases with their data read as
// int64, which checks integer semantics (C division, Pad modes on integer
// data) the data-type skips above would leave untested.
func TestONNXNodeCases_WidenedInts(t *testing.T) {
	root := tensorCaseRoot(t)
	cases := []string{
		"test_edge_pad", "test_reflect_pad", "test_wrap_pad",
		"test_div_int32_trunc", "test_div_int16", "test_div_uint8",
		"test_add_int8", "test_sub_int16", "test_mul_uint16",
		"test_max_int32", "test_min_int8", "test_max_uint32",
		"test_clip_default_int8_inbounds", "test_clip_default_int8_max", "test_clip_default_int8_min",
	}
	for _, name := range cases {
		t.Run(name, func(t *testing.T) {
			runTensorCase(t, filepath.Join(root, name), tensorCaseOpts{widenInts: true})
		})
	}
}
