package graphir

import (
	"fmt"
	"testing"
)

// tensorTestOps are the element-wise and tensor ops of ops_elem*.go and
// ops_tensor*.go.
var tensorTestOps = []Op{
	OpRelu, OpLeakyRelu, OpPRelu, OpClip, OpSigmoid, OpHardSigmoid, OpHardSwish,
	OpTanh, OpElu, OpSelu, OpMish, OpSoftplus, OpExp, OpLog, OpSqrt, OpReciprocal,
	OpErf, OpFloor, OpCeil, OpNeg, OpAbs, OpPow, OpAdd, OpSub, OpMul, OpDiv,
	OpSum, OpMax, OpMin, OpMean, OpConcat, OpSplit, OpSlice, OpPad, OpReshape,
	OpFlatten, OpTranspose, OpSqueeze, OpUnsqueeze, OpExpand, OpTile, OpGather,
	OpShape, OpCast, OpConstantOfShape, OpRange, OpIdentity, OpDropout, OpConstant,
}

// TestTensorOps_NoPanic feeds every op odd inputs and attributes: each must
// return an error or types, never panic.
func TestTensorOps_NoPanic(t *testing.T) {
	vals := []*Value{
		nil,
		tensorTestVal(Float32),
		tensorTestVal(Float32, 0),
		tensorTestVal(Int64, 2, 1, 3),
		tensorTestInts(),
		tensorTestInts(-1),
		tensorTestInts(1<<62, -(1 << 62)),
		tensorTestInts(0, 5),
		tensorTestScalar(-2),
		{Name: "e", DType: Float32, Shape: Shape{2}, Const: FromFloats(Shape{2}, []float32{0, 0})},
	}
	attrSets := []Attrs{
		nil,
		{"axis": {Kind: AttrInt, Int: -7}, "axes": {Kind: AttrInts, Ints: []int64{9}}, "perm": {Kind: AttrInts, Ints: []int64{3}}},
		{"axis": {Kind: AttrFloat, Float: 1}, "split": {Kind: AttrInt}, "starts": {Kind: AttrInts, Ints: []int64{0}},
			"ends": {Kind: AttrInts, Ints: []int64{-1}}, "pads": {Kind: AttrInts, Ints: []int64{-5, 1 << 62}}},
		{"to": {Kind: AttrInt, Int: 7}, "num_outputs": {Kind: AttrInt, Int: -2}, "value": {Kind: AttrTensor, Tensor: &Tensor{DType: Int64, Shape: Shape{3}}}},
		{"min": {Kind: AttrString, Str: "x"}, "mode": {Kind: AttrString, Str: "wrap"}, "start": {Kind: AttrInt, Int: -1 << 62}},
	}
	for _, op := range tensorTestOps {
		for ai, attrs := range attrSets {
			for i := range vals {
				for j := -1; j < len(vals); j++ {
					ins := []*Value{vals[i]}
					if j >= 0 {
						ins = append(ins, vals[j], vals[(i+j)%len(vals)])
					}
					for outs := 0; outs < 3; outs++ {
						name := fmt.Sprintf("%s/attrs%d/in%d,%d/outs%d", op, ai, i, j, outs)
						a := attrs
						if a != nil {
							a = a.Clone()
						}
						tensorTestNoPanic(t, name, op, a, outs, ins)
					}
				}
			}
		}
	}
}

func tensorTestNoPanic(t *testing.T, name string, op Op, attrs Attrs, outs int, ins []*Value) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: panic: %v", name, r)
		}
	}()
	n := &Node{Name: "n", Op: op, Opset: 13, Inputs: ins, Attrs: attrs}
	for range outs {
		n.Outputs = append(n.Outputs, &Value{Name: "y"})
	}
	_ = InferNode(n)
}
