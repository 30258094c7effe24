package kerneltest

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

// Unary runs op (Relu, LeakyRelu, Clip, HardSwish, ...) over tensors of
// many lengths, with NaN, infinities and signed zeros.
func Unary(t *testing.T, op graphir.Op, prep Prepare) Stats {
	t.Helper()
	r := rand.New(rand.NewSource(7))
	attrs := []graphir.Attrs{{}}
	switch op {
	case graphir.OpLeakyRelu:
		attrs = []graphir.Attrs{{}, {"alpha": aFloat(0.3)}}
	case graphir.OpClip:
		attrs = []graphir.Attrs{{"min": aFloat(-0.5), "max": aFloat(0.25)}, {"min": aFloat(0)}, {"max": aFloat(-0.1)}, {"min": aFloat(0.5), "max": aFloat(-0.5)}}
	}
	var cases []Case
	for i, sh := range []graphir.Shape{{}, {1}, {7}, {8}, {33}, {2, 3, 5}, {1, 16, 31, 3}, {1, 64, 56, 56}} {
		a := attrs[i%len(attrs)]
		x := WithSpecials(r, Rand(r, sh))
		for j := range x.F {
			x.F[j] *= 8
		}
		cases = append(cases, Case{Name: fmt.Sprintf("%s_%v_%d", op, sh, i), Op: op, Attrs: a, In: []*graphir.Tensor{x}, K: 1})
	}
	if op == graphir.OpClip { // opset 11+ bounds as constant inputs
		x := WithSpecials(r, Rand(r, graphir.Shape{3, 40}))
		lo, hi := graphir.FromFloats(graphir.Shape{}, []float32{-0.2}), graphir.FromFloats(graphir.Shape{}, []float32{0.3})
		cases = append(cases, Case{Name: "Clip_inputs", Op: op, In: []*graphir.Tensor{x, lo, hi}, Const: []bool{false, true, true}, K: 1})
	}
	return Run(t, prep, cases)
}

// Binary runs op (Add, Sub, Mul, Div) on equal shapes and on the broadcast
// forms fast kernels take (a scalar, a per-channel [C,1,1] operand, on
// either side), plus a general broadcast a kernel may decline.
func Binary(t *testing.T, op graphir.Op, prep Prepare) Stats {
	t.Helper()
	r := rand.New(rand.NewSource(8))
	pairs := [][2]graphir.Shape{
		{{7}, {7}}, {{2, 3, 33}, {2, 3, 33}}, {{1, 32, 28, 28}, {1, 32, 28, 28}},
		{{1, 16, 9, 9}, {}}, {{}, {1, 16, 9, 9}}, {{1, 16, 9, 9}, {16, 1, 1}}, {{16, 1, 1}, {1, 16, 9, 9}},
		{{1, 16, 9, 9}, {1, 16, 1, 1}}, {{2, 5, 7}, {2, 5, 1}}, {{1, 4, 5, 6}, {6}},
	}
	var cases []Case
	for i, p := range pairs {
		a, b := Rand(r, p[0]), Rand(r, p[1])
		if i%2 == 0 {
			WithSpecials(r, a)
		}
		cases = append(cases, Case{Name: fmt.Sprintf("%s_%vx%v", op, p[0], p[1]), Op: op, In: []*graphir.Tensor{a, b}, Const: []bool{false, i%3 == 0}, K: 1})
	}
	return Run(t, prep, cases)
}

// BatchNorm runs inference BatchNormalization with constant parameters
// over tensors of rank 2 to 4, with NaN, infinities and signed zeros in
// the input, default and explicit epsilons; and once with the parameters
// not constant, which a kernel may decline ("BatchNormalization_inputs").
func BatchNorm(t *testing.T, prep Prepare) Stats {
	t.Helper()
	r := rand.New(rand.NewSource(9))
	var cases []Case
	for i, sh := range []graphir.Shape{{1, 3}, {2, 5, 7}, {1, 16, 9, 9}, {2, 7, 3, 33}, {1, 64, 56, 56}, {1, 1, 1, 1}} {
		c := sh[1]
		x := WithSpecials(r, Rand(r, sh))
		for j := range x.F {
			x.F[j] *= 4
		}
		scale, bias, mean := Rand(r, graphir.Shape{c}), Rand(r, graphir.Shape{c}), Rand(r, graphir.Shape{c})
		variance := Rand(r, graphir.Shape{c})
		for j := range variance.F {
			variance.F[j] = variance.F[j]*variance.F[j] + 0.05
		}
		a := graphir.Attrs{}
		if i%2 == 1 {
			a = graphir.Attrs{"epsilon": aFloat(1e-3)}
		}
		in := []*graphir.Tensor{x, scale, bias, mean, variance}
		cases = append(cases, Case{Name: fmt.Sprintf("BatchNormalization_%v", sh), Op: graphir.OpBatchNormalization, Attrs: a,
			In: in, Const: []bool{false, true, true, true, true}, K: 1})
		if i == 2 {
			cases = append(cases, Case{Name: "BatchNormalization_inputs", Op: graphir.OpBatchNormalization, Attrs: a,
				In: in, Const: []bool{false, false, true, true, true}, K: 1})
		}
	}
	return Run(t, prep, cases)
}

// Slice checks Slice: crops of NCHW values like those a fused tile cuts
// (rows and columns, a channel range, an image of two, the whole tensor),
// a rank-2 and a rank-1 one, and cases a fast kernel may decline (a step
// of 2, a negative step): opset-13 starts, ends, axes and steps inputs.
func Slice(t *testing.T, prep Prepare) Stats {
	t.Helper()
	r := rand.New(rand.NewSource(13))
	ints := func(v ...int64) *graphir.Tensor {
		x := graphir.NewTensor(graphir.Int64, graphir.Shape{len(v)})
		copy(x.I, v)
		return x
	}
	type sl struct {
		shape                     graphir.Shape
		starts, ends, axes, steps []int64
	}
	var cases []Case
	for i, s := range []sl{
		{graphir.Shape{1, 8, 14, 14}, []int64{2, 3}, []int64{12, 11}, []int64{2, 3}, nil},
		{graphir.Shape{1, 32, 9, 33}, []int64{1, 0}, []int64{8, 33}, []int64{2, 3}, nil},
		{graphir.Shape{2, 6, 7, 5}, []int64{1, 2, 1, 1}, []int64{2, 5, 6, 4}, []int64{0, 1, 2, 3}, nil},
		{graphir.Shape{1, 64, 28, 28}, []int64{0, 0}, []int64{28, 28}, []int64{2, 3}, nil},
		{graphir.Shape{1, 128, 56, 60}, []int64{3, 5}, []int64{50, 57}, []int64{2, 3}, nil},
		{graphir.Shape{5, 17}, []int64{1, 2}, []int64{4, 15}, []int64{0, 1}, nil},
		{graphir.Shape{40}, []int64{3}, []int64{-2}, []int64{0}, nil},
		{graphir.Shape{1, 4, 10, 10}, []int64{1, 0}, []int64{9, 10}, []int64{2, 3}, []int64{2, 1}},
		{graphir.Shape{1, 4, 10, 10}, []int64{8}, []int64{-11}, []int64{3}, []int64{-1}},
	} {
		in := []*graphir.Tensor{WithSpecials(r, Rand(r, s.shape)), ints(s.starts...), ints(s.ends...), ints(s.axes...)}
		if s.steps != nil {
			in = append(in, ints(s.steps...))
		}
		cases = append(cases, Case{Name: fmt.Sprintf("Slice_%d_%v", i, s.shape), Op: graphir.OpSlice,
			In: in, Const: []bool{false, true, true, true, true}, K: 1})
	}
	return Run(t, prep, cases)
}
