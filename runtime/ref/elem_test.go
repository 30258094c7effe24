package ref

import (
	"math"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

// tshape shortens shapes in the kernel tests.
type tshape = graphir.Shape

func TestElemBinary_Broadcast(t *testing.T) {
	a := tensorTestF(tshape{2, 3}, 1, 2, 3, 4, 5, 6)
	tests := []struct {
		name string
		op   graphir.Op
		a, b *graphir.Tensor
		want *graphir.Tensor
	}{
		{"row", graphir.OpAdd, a, tensorTestF(tshape{3}, 10, 20, 30), tensorTestF(tshape{2, 3}, 11, 22, 33, 14, 25, 36)},
		{"column", graphir.OpSub, a, tensorTestF(tshape{2, 1}, 1, 2), tensorTestF(tshape{2, 3}, 0, 1, 2, 2, 3, 4)},
		{"scalar left", graphir.OpDiv, tensorTestF(tshape{}, 12), a, tensorTestF(tshape{2, 3}, 12, 6, 4, 3, 2.4, 2)},
		{"outer", graphir.OpMul, tensorTestF(tshape{2, 1}, 1, 2), tensorTestF(tshape{1, 3}, 1, 10, 100), tensorTestF(tshape{2, 3}, 1, 10, 100, 2, 20, 200)},
		{"rank 4", graphir.OpAdd, tensorTestF(tshape{1, 2, 1, 2}, 1, 2, 3, 4), tensorTestF(tshape{2, 1}, 10, 20),
			tensorTestF(tshape{1, 2, 2, 2}, 11, 12, 21, 22, 13, 14, 23, 24)},
		{"pow", graphir.OpPow, tensorTestF(tshape{3}, 2, 3, 4), tensorTestF(tshape{}, 0.5), tensorTestF(tshape{3}, float32(math.Sqrt2), float32(math.Sqrt(3)), 2)},
		{"pow int exponent", graphir.OpPow, tensorTestF(tshape{3}, 2, -3, 4), tensorTestI(tshape{1}, 3), tensorTestF(tshape{3}, 8, -27, 64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := tensorSpec{op: tt.op, in: []*graphir.Tensor{tt.a, tt.b}}.run(t)
			tensorTestExpect(t, out[0], tt.want)
		})
	}
}

func TestElemBinary_Int64(t *testing.T) {
	a := tensorTestI(tshape{4}, 7, -7, 7, -7)
	b := tensorTestI(tshape{4}, 2, 2, -2, -2)
	tests := []struct {
		op   graphir.Op
		want []int64
	}{
		{graphir.OpAdd, []int64{9, -5, 5, -9}},
		{graphir.OpSub, []int64{5, -9, 9, -5}},
		{graphir.OpMul, []int64{14, -14, -14, 14}},
		{graphir.OpDiv, []int64{3, -3, -3, 3}}, // truncates like C
		{graphir.OpMax, []int64{7, 2, 7, -2}},
		{graphir.OpMin, []int64{2, -7, -2, -7}},
		{graphir.OpSum, []int64{9, -5, 5, -9}},
	}
	for _, tt := range tests {
		t.Run(tt.op.String(), func(t *testing.T) {
			out := tensorSpec{op: tt.op, in: []*graphir.Tensor{a, b}}.run(t)
			tensorTestExpect(t, out[0], tensorTestI(tshape{4}, tt.want...))
		})
	}
	for op, want := range map[graphir.Op][]int64{
		graphir.OpNeg:  {-7, 7, -7, 7},
		graphir.OpAbs:  {7, 7, 7, 7},
		graphir.OpRelu: {7, 0, 7, 0},
	} {
		out := tensorSpec{op: op, in: []*graphir.Tensor{a}}.run(t)
		tensorTestExpect(t, out[0], tensorTestI(tshape{4}, want...))
	}
	// Shape arithmetic: a shape divided by a broadcast scalar.
	out := tensorSpec{op: graphir.OpDiv, in: []*graphir.Tensor{tensorTestI(tshape{2}, 224, 225), tensorTestI(tshape{}, 2)}}.run(t)
	tensorTestExpect(t, out[0], tensorTestI(tshape{2}, 112, 112))

	_, err := tensorSpec{op: graphir.OpDiv, in: []*graphir.Tensor{a, tensorTestI(tshape{1}, 0)}}.runErr()
	if err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Errorf("integer division by zero: %v", err)
	}
}

func TestElemVariadic(t *testing.T) {
	in := []*graphir.Tensor{
		tensorTestF(tshape{3}, 1, 5, 3),
		tensorTestF(tshape{2, 1}, 2, 4),
		tensorTestF(tshape{}, 3),
	}
	tests := []struct {
		op   graphir.Op
		want []float32
	}{
		{graphir.OpSum, []float32{6, 10, 8, 8, 12, 10}},
		{graphir.OpMax, []float32{3, 5, 3, 4, 5, 4}},
		{graphir.OpMin, []float32{1, 2, 2, 1, 3, 3}},
		{graphir.OpMean, []float32{2, 10.0 / 3, 8.0 / 3, 8.0 / 3, 4, 10.0 / 3}},
	}
	for _, tt := range tests {
		t.Run(tt.op.String(), func(t *testing.T) {
			out := tensorSpec{op: tt.op, in: in}.run(t)
			tensorTestExpect(t, out[0], tensorTestF(tshape{2, 3}, tt.want...))
		})
	}
	out := tensorSpec{op: graphir.OpMax, in: in[:1]}.run(t)
	tensorTestExpect(t, out[0], in[0])
}

func TestElemUnary_Activations(t *testing.T) {
	x := []float32{-100, -2, -0.5, 0, 0.5, 3, 100}
	f := func(x float64) float64 { return x }
	tests := []struct {
		op    graphir.Op
		attrs graphir.Attrs
		fn    func(x float64) float64
	}{
		{graphir.OpRelu, nil, func(x float64) float64 { return math.Max(x, 0) }},
		{graphir.OpLeakyRelu, nil, func(x float64) float64 { return map[bool]float64{true: 0.01 * x, false: x}[x < 0] }},
		{graphir.OpSigmoid, nil, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
		{graphir.OpHardSigmoid, graphir.Attrs{"alpha": {Kind: graphir.AttrFloat, Float: 0.5}},
			func(x float64) float64 { return math.Max(0, math.Min(1, 0.5*x+0.5)) }},
		{graphir.OpHardSwish, nil, func(x float64) float64 { return x * math.Max(0, math.Min(1, x/6+0.5)) }},
		{graphir.OpTanh, nil, math.Tanh},
		{graphir.OpElu, nil, func(x float64) float64 { return map[bool]float64{true: math.Exp(x) - 1, false: x}[x < 0] }},
		{graphir.OpSelu, nil, func(x float64) float64 {
			if x <= 0 {
				return 1.0507009873554805 * 1.6732632423543772 * (math.Exp(x) - 1)
			}
			return 1.0507009873554805 * x
		}},
		{graphir.OpSoftplus, nil, func(x float64) float64 {
			if x > 50 {
				return x
			}
			return math.Log(1 + math.Exp(x))
		}},
		{graphir.OpMish, nil, func(x float64) float64 {
			if x > 50 {
				return x
			}
			return x * math.Tanh(math.Log(1+math.Exp(x)))
		}},
		{graphir.OpExp, nil, math.Exp},
		{graphir.OpErf, nil, math.Erf},
		{graphir.OpFloor, nil, math.Floor},
		{graphir.OpCeil, nil, math.Ceil},
		{graphir.OpNeg, nil, func(x float64) float64 { return -x }},
		{graphir.OpAbs, nil, math.Abs},
		{graphir.OpReciprocal, nil, func(x float64) float64 { return 1 / x }},
		{graphir.OpIdentity, nil, f},
	}
	for _, tt := range tests {
		t.Run(tt.op.String(), func(t *testing.T) {
			out := tensorSpec{op: tt.op, attrs: tt.attrs, in: []*graphir.Tensor{tensorTestF(tshape{7}, x...)}}.run(t)
			want := make([]float32, len(x))
			for i, v := range x {
				want[i] = float32(tt.fn(float64(v)))
			}
			tensorTestExpect(t, out[0], tensorTestF(tshape{7}, want...))
		})
	}
	pos := tensorTestF(tshape{3}, 0.25, 1, 4)
	out := tensorSpec{op: graphir.OpSqrt, in: []*graphir.Tensor{pos}}.run(t)
	tensorTestExpect(t, out[0], tensorTestF(tshape{3}, 0.5, 1, 2))
	out = tensorSpec{op: graphir.OpLog, in: []*graphir.Tensor{pos}}.run(t)
	tensorTestExpect(t, out[0], tensorTestF(tshape{3}, float32(math.Log(0.25)), 0, float32(math.Log(4))))
}

func TestClip_Kernel(t *testing.T) {
	x := tensorTestF(tshape{5}, -3, -1, 0, 1, 3)
	out := tensorSpec{op: graphir.OpClip, in: []*graphir.Tensor{x, tensorTestF(tshape{}, -1), tensorTestF(tshape{}, 2)}, consts: []int{1, 2}}.run(t)
	tensorTestExpect(t, out[0], tensorTestF(tshape{5}, -1, -1, 0, 1, 2))
	// min above max: every element becomes max.
	out = tensorSpec{op: graphir.OpClip, in: []*graphir.Tensor{x, tensorTestF(tshape{}, 2), tensorTestF(tshape{}, 1)}, consts: []int{1, 2}}.run(t)
	tensorTestExpect(t, out[0], tensorTestF(tshape{5}, 1, 1, 1, 1, 1))
	out = tensorSpec{op: graphir.OpClip, opset: 6, attrs: graphir.Attrs{"max": {Kind: graphir.AttrFloat, Float: 0}}, in: []*graphir.Tensor{x}}.run(t)
	tensorTestExpect(t, out[0], tensorTestF(tshape{5}, -3, -1, 0, 0, 0))
	xi := tensorTestI(tshape{4}, -5, 0, 5, 10)
	out = tensorSpec{op: graphir.OpClip, in: []*graphir.Tensor{xi, nil, tensorTestI(tshape{}, 6)}, consts: []int{2}}.run(t)
	tensorTestExpect(t, out[0], tensorTestI(tshape{4}, -5, 0, 5, 6))
}

func TestPRelu_Kernel(t *testing.T) {
	x := tensorTestF(tshape{2, 2, 2}, -1, 1, -2, 2, -3, 3, -4, 4)
	out := tensorSpec{op: graphir.OpPRelu, in: []*graphir.Tensor{x, tensorTestF(tshape{2, 1}, 10, 100)}}.run(t)
	tensorTestExpect(t, out[0], tensorTestF(tshape{2, 2, 2}, -10, 1, -200, 2, -30, 3, -400, 4))
}
