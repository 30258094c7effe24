package graphir

import "testing"

func TestInferConv(t *testing.T) {
	x, w := nnTestX(1, 3, 6, 7), nnTestW(8, 3, 3, 3)
	nnRunInfer(t, []nnTestCase{
		{name: "defaults", op: OpConv, in: []*Value{x, w}, want: Shape{1, 8, 4, 5},
			check: nnWantInts("pads", 0, 0, 0, 0)},
		{name: "pads", op: OpConv, attrs: Attrs{"pads": nnInts64(1, 0, 2, 1)}, in: []*Value{x, w}, want: Shape{1, 8, 7, 6}},
		// SAME: out = ceil(in/stride); total pad (3-1)*2+3-6 = 1 along H, 3*2+3-7 = 2 along W.
		{name: "same_upper", op: OpConv, attrs: Attrs{"auto_pad": nnStr("SAME_UPPER"), "strides": nnInts64(2, 2)}, in: []*Value{x, w}, want: Shape{1, 8, 3, 4},
			check: nnWantInts("pads", 0, 1, 1, 1)},
		{name: "same_lower", op: OpConv, attrs: Attrs{"auto_pad": nnStr("SAME_LOWER"), "strides": nnInts64(2, 2)}, in: []*Value{x, w}, want: Shape{1, 8, 3, 4},
			check: func(t *testing.T, n *Node) {
				nnWantInts("pads", 1, 1, 0, 1)(t, n)
				if _, ok := n.Attrs["auto_pad"]; ok {
					t.Fatal("auto_pad was not removed")
				}
			}},
		{name: "valid", op: OpConv, attrs: Attrs{"auto_pad": nnStr("VALID"), "strides": nnInts64(2, 3)}, in: []*Value{x, w}, want: Shape{1, 8, 2, 2}},
		{name: "dilations", op: OpConv, attrs: Attrs{"dilations": nnInts64(2, 3)}, in: []*Value{x, w}, want: Shape{1, 8, 2, 1},
			check: nnWantInts("kernel_shape", 3, 3)},
		{name: "depthwise", op: OpConv, attrs: Attrs{"group": nnInt64(3)}, in: []*Value{x, nnTestW(6, 1, 3, 3), nnTestW(6)}, want: Shape{1, 6, 4, 5}},
		{name: "1-d", op: OpConv, in: []*Value{nnTestX(2, 3, 9), nnTestW(4, 3, 2)}, want: Shape{2, 4, 8}},
		{name: "3-d", op: OpConv, attrs: Attrs{"strides": nnInts64(1, 2, 2)}, in: []*Value{nnTestX(1, 1, 4, 4, 4), nnTestW(1, 1, 2, 2, 2)}, want: Shape{1, 1, 3, 2, 2}},
		{name: "4-d", op: OpConv, in: []*Value{nnTestX(1, 1, 4, 4, 4, 4), nnTestW(1, 1, 2, 2, 2, 2)}, wantErr: "4-d convolution is not supported"},
		{name: "group channels", op: OpConv, attrs: Attrs{"group": nnInt64(2)}, in: []*Value{x, w}, wantErr: "divisible by group"},
		{name: "weight channels", op: OpConv, in: []*Value{x, nnTestW(8, 2, 3, 3)}, wantErr: "input channels per group"},
		{name: "kernel_shape", op: OpConv, attrs: Attrs{"kernel_shape": nnInts64(3, 2)}, in: []*Value{x, w}, wantErr: "kernel_shape"},
		{name: "bias shape", op: OpConv, in: []*Value{x, w, nnTestW(3)}, wantErr: "bias shape"},
		{name: "strides length", op: OpConv, attrs: Attrs{"strides": nnInts64(1)}, in: []*Value{x, w}, wantErr: `"strides" has 1 values`},
		{name: "strides kind", op: OpConv, attrs: Attrs{"strides": nnFloat(1)}, in: []*Value{x, w}, wantErr: `"strides" is float`},
		{name: "auto_pad", op: OpConv, attrs: Attrs{"auto_pad": nnStr("SAME")}, in: []*Value{x, w}, wantErr: `auto_pad "SAME" is not supported`},
		{name: "too small", op: OpConv, in: []*Value{nnTestX(1, 3, 2, 2), w}, wantErr: "kernel extent"},
		{name: "int64 data", op: OpConv, in: []*Value{{Name: "x", DType: Int64, Shape: Shape{1, 3, 6, 7}}, w}, wantErr: "want float32"},
		{name: "missing weight", op: OpConv, in: []*Value{x}, wantErr: "at least 2 inputs"},
	})
}

func TestInferConvTranspose(t *testing.T) {
	x, w := nnTestX(1, 1, 3, 3), nnTestW(1, 2, 3, 3)
	nnRunInfer(t, []nnTestCase{
		{name: "defaults", op: OpConvTranspose, in: []*Value{x, w}, want: Shape{1, 2, 5, 5}},
		{name: "strides output_padding", op: OpConvTranspose, attrs: Attrs{"strides": nnInts64(3, 2), "output_padding": nnInts64(1, 1)}, in: []*Value{x, w}, want: Shape{1, 2, 10, 8}},
		{name: "pads", op: OpConvTranspose, attrs: Attrs{"strides": nnInts64(3, 2), "pads": nnInts64(1, 2, 1, 2)}, in: []*Value{x, w}, want: Shape{1, 2, 7, 3}},
		// output_shape beyond the full size becomes output_padding.
		{name: "output_shape larger", op: OpConvTranspose, attrs: Attrs{"strides": nnInts64(3, 2), "output_shape": nnInts64(10, 8)}, in: []*Value{x, w}, want: Shape{1, 2, 10, 8},
			check: func(t *testing.T, n *Node) {
				nnWantInts("pads", 0, 0, 0, 0)(t, n)
				nnWantInts("output_padding", 1, 1)(t, n)
			}},
		// Full size 7 (stride 2); output 4 needs total pad 3: NOTSET and
		// SAME_LOWER put the extra one first, SAME_UPPER last.
		{name: "output_shape smaller", op: OpConvTranspose, attrs: Attrs{"strides": nnInts64(2, 2), "output_shape": nnInts64(1, 2, 4, 4)}, in: []*Value{x, w}, want: Shape{1, 2, 4, 4},
			check: nnWantInts("pads", 2, 2, 1, 1)},
		{name: "same_upper", op: OpConvTranspose, attrs: Attrs{"strides": nnInts64(2, 2), "auto_pad": nnStr("SAME_UPPER")}, in: []*Value{x, w}, want: Shape{1, 2, 6, 6},
			check: nnWantInts("pads", 0, 0, 1, 1)},
		{name: "same_lower", op: OpConvTranspose, attrs: Attrs{"strides": nnInts64(2, 2), "auto_pad": nnStr("SAME_LOWER")}, in: []*Value{x, w}, want: Shape{1, 2, 6, 6},
			check: nnWantInts("pads", 1, 1, 0, 0)},
		{name: "group", op: OpConvTranspose, attrs: Attrs{"group": nnInt64(2)}, in: []*Value{nnTestX(1, 4, 3, 3), nnTestW(4, 3, 3, 3), nnTestW(6)}, want: Shape{1, 6, 5, 5}},
		{name: "weight channels", op: OpConvTranspose, in: []*Value{nnTestX(1, 2, 3, 3), w}, wantErr: "input channels"},
		{name: "output_shape length", op: OpConvTranspose, attrs: Attrs{"output_shape": nnInts64(5)}, in: []*Value{x, w}, wantErr: "output_shape"},
		{name: "pads too large", op: OpConvTranspose, attrs: Attrs{"pads": nnInts64(3, 0, 2, 0)}, in: []*Value{x, w}, wantErr: "output size 0"},
	})
}

func TestInferPool(t *testing.T) {
	x := nnTestX(1, 3, 4, 4)
	k3s2 := func(extra Attrs) Attrs {
		a := Attrs{"kernel_shape": nnInts64(3, 3), "strides": nnInts64(2, 2)}
		for k, v := range extra {
			a[k] = v
		}
		return a
	}
	nnRunInfer(t, []nnTestCase{
		{name: "floor", op: OpMaxPool, attrs: k3s2(nil), in: []*Value{x}, want: Shape{1, 3, 1, 1}},
		{name: "ceil", op: OpMaxPool, attrs: k3s2(Attrs{"ceil_mode": nnInt64(1)}), in: []*Value{x}, want: Shape{1, 3, 2, 2}},
		// ceil would add a window starting in the end pad; it is dropped.
		{name: "ceil last window", op: OpAveragePool, attrs: Attrs{"kernel_shape": nnInts64(1, 1), "strides": nnInts64(2, 2), "ceil_mode": nnInt64(1)}, in: []*Value{nnTestX(1, 1, 2, 2)}, want: Shape{1, 1, 1, 1},
			check: func(t *testing.T, n *Node) {
				if n.Attrs["count_include_pad"].Kind != AttrInt {
					t.Fatal("count_include_pad is not normalised")
				}
			}},
		{name: "ceil with pads", op: OpAveragePool, attrs: Attrs{"kernel_shape": nnInts64(3, 3), "strides": nnInts64(3, 3), "pads": nnInts64(1, 1, 1, 1), "ceil_mode": nnInt64(1)}, in: []*Value{nnTestX(1, 3, 2, 2)}, want: Shape{1, 3, 1, 1}},
		{name: "same_upper ceil", op: OpMaxPool, attrs: Attrs{"kernel_shape": nnInts64(1, 1), "strides": nnInts64(4, 4), "auto_pad": nnStr("SAME_UPPER"), "ceil_mode": nnInt64(1)}, in: []*Value{nnTestX(1, 1, 6, 6)}, want: Shape{1, 1, 2, 2}},
		{name: "dilations", op: OpMaxPool, attrs: Attrs{"kernel_shape": nnInts64(2, 2), "dilations": nnInts64(2, 2)}, in: []*Value{x}, want: Shape{1, 3, 2, 2}},
		{name: "1-d", op: OpAveragePool, attrs: Attrs{"kernel_shape": nnInts64(2)}, in: []*Value{nnTestX(1, 3, 32)}, want: Shape{1, 3, 31}},
		{name: "3-d", op: OpMaxPool, attrs: Attrs{"kernel_shape": nnInts64(2, 2, 2)}, in: []*Value{nnTestX(1, 1, 4, 4, 4)}, want: Shape{1, 1, 3, 3, 3}},
		{name: "4-d", op: OpMaxPool, attrs: Attrs{"kernel_shape": nnInts64(2, 2, 2, 2)}, in: []*Value{nnTestX(1, 1, 4, 4, 4, 4)}, wantErr: "4-d pooling is not supported"},
		{name: "no kernel", op: OpMaxPool, in: []*Value{x}, wantErr: "kernel_shape"},
		{name: "pad too large", op: OpMaxPool, attrs: Attrs{"kernel_shape": nnInts64(2, 2), "pads": nnInts64(2, 0, 0, 0)}, in: []*Value{x}, wantErr: "smaller than the kernel"},
		{name: "ceil_mode value", op: OpMaxPool, attrs: k3s2(Attrs{"ceil_mode": nnInt64(2)}), in: []*Value{x}, wantErr: "ceil_mode 2"},
		{name: "global", op: OpGlobalAveragePool, in: []*Value{nnTestX(2, 3, 5, 7)}, want: Shape{2, 3, 1, 1}},
		{name: "global 3-d", op: OpGlobalMaxPool, in: []*Value{nnTestX(2, 3, 5, 7, 2)}, want: Shape{2, 3, 1, 1, 1}},
		{name: "global rank 2", op: OpGlobalMaxPool, in: []*Value{nnTestX(2, 3)}, wantErr: "rank 2"},
	})
}

func TestInferPool_Indices(t *testing.T) {
	n := &Node{Op: OpMaxPool, Attrs: Attrs{"kernel_shape": nnInts64(2, 2)}, Inputs: []*Value{nnTestX(1, 1, 4, 4)},
		Outputs: []*Value{{Name: "y"}, {Name: "indices"}}}
	if err := InferNode(n); err != nil {
		t.Fatal(err)
	}
	if ind := n.Outputs[1]; ind.DType != Int64 || !ind.Shape.Equal(Shape{1, 1, 3, 3}) {
		t.Fatalf("indices %s %v, want int64 [1 1 3 3]", ind.DType, ind.Shape)
	}
	n = &Node{Op: OpAveragePool, Attrs: Attrs{"kernel_shape": nnInts64(2, 2)}, Inputs: []*Value{nnTestX(1, 1, 4, 4)},
		Outputs: []*Value{{Name: "y"}, {Name: "extra"}}}
	if err := InferNode(n); err == nil {
		t.Fatal("AveragePool accepted a second output")
	}
}

func TestNNFLOPs(t *testing.T) {
	cases := []struct {
		name string
		n    *Node
		want int64
	}{
		{"conv with bias", &Node{Op: OpConv, Inputs: []*Value{nnTestX(1, 3, 7, 7), nnTestW(8, 3, 3, 3), nnTestW(8)}, Attrs: Attrs{"pads": nnInts64(1, 1, 1, 1)}},
			2*8*7*7*3*3*3 + 8*7*7},
		{"grouped conv", &Node{Op: OpConv, Inputs: []*Value{nnTestX(1, 4, 5, 5), nnTestW(4, 2, 3, 3)}, Attrs: Attrs{"group": nnInt64(2)}},
			2 * 4 * 3 * 3 * 2 * 3 * 3},
		{"conv transpose", &Node{Op: OpConvTranspose, Inputs: []*Value{nnTestX(1, 2, 3, 3), nnTestW(2, 4, 2, 2)}},
			2 * 2 * 3 * 3 * 4 * 2 * 2},
		{"gemm", &Node{Op: OpGemm, Inputs: []*Value{nnTestX(5, 3), nnTestW(4, 3), nnTestW(4)}, Attrs: Attrs{"transB": nnInt64(1)}},
			2*5*4*3 + 2*5*4},
		{"matmul", &Node{Op: OpMatMul, Inputs: []*Value{nnTestX(2, 5, 3), nnTestW(3, 4)}}, 2 * 2 * 5 * 4 * 3},
		{"maxpool", &Node{Op: OpMaxPool, Inputs: []*Value{nnTestX(1, 2, 4, 4)}, Attrs: Attrs{"kernel_shape": nnInts64(2, 2), "strides": nnInts64(2, 2)}},
			2 * 2 * 2 * 4},
		{"reduce", &Node{Op: OpReduceSum, Opset: 11, Inputs: []*Value{nnTestX(3, 4)}}, 12},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.n.Outputs = []*Value{{Name: "y"}}
			if err := InferNode(c.n); err != nil {
				t.Fatal(err)
			}
			if c.n.Cost.FLOPs != c.want {
				t.Fatalf("FLOPs %d, want %d", c.n.Cost.FLOPs, c.want)
			}
		})
	}
}
