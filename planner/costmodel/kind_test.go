package costmodel

import (
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

func TestClassify(t *testing.T) {
	bn := func() *graphir.Node {
		return node(t, graphir.OpBatchNormalization, nil, in(1, 8, 4, 4), weight(8), weight(8), weight(8), weight(8))
	}
	slice := graphir.Attrs{"starts": ints(0, 0, 1, 1), "ends": ints(1, 8, 3, 3)}
	pad := graphir.Attrs{"pads": ints(0, 0, 0, 0, 0, 0, 1, 1), "mode": {Kind: graphir.AttrString, Str: "constant"}}
	gemm := graphir.Attrs{}
	gemm.SetInt("transB", 1)
	concat := graphir.Attrs{}
	concat.SetInt("axis", 1)
	for _, tc := range []struct {
		name       string
		n          *graphir.Node
		arch, tier string
		want       Kind
	}{
		{"3x3 GEMM", conv(t, 64, 56, 56, 64, 3, 1, 1, 1), "amd64", "avx2", KindConv3x3},
		{"3x3 stride 2", conv(t, 64, 56, 56, 128, 3, 2, 1, 1), "amd64", "avx2", KindConv3x3},
		{"Winograd on AVX2", conv(t, 256, 28, 28, 256, 3, 1, 1, 1), "amd64", "avx2", KindWinograd},
		{"Winograd, default tier", conv(t, 256, 28, 28, 256, 3, 1, 1, 1), "amd64", "", KindWinograd},
		{"too few rows for AVX2's Winograd", conv(t, 512, 14, 14, 512, 3, 1, 1, 1), "amd64", "avx2", KindConv3x3},
		{"AVX-512's Winograd from 64 channels", conv(t, 64, 14, 14, 64, 3, 1, 1, 1), "amd64", "avx512", KindWinograd},
		{"no Winograd on arm64", conv(t, 256, 28, 28, 256, 3, 1, 1, 1), "arm64", "neon", KindConv3x3},
		{"no Winograd in Go", conv(t, 256, 28, 28, 256, 3, 1, 1, 1), "amd64", "go", KindConv3x3},
		{"first layer", conv(t, 3, 224, 224, 32, 3, 2, 1, 1), "amd64", "avx2", KindFirstLayer},
		{"first layer in Go", conv(t, 3, 224, 224, 32, 3, 2, 1, 1), "arm64", "go", KindFirstLayer},
		{"no direct convolution on NEON", conv(t, 3, 224, 224, 32, 3, 2, 1, 1), "arm64", "neon", KindConv3x3},
		{"first layer, cout not a multiple of 16", conv(t, 3, 224, 224, 24, 3, 1, 1, 1), "amd64", "avx2", KindConv3x3},
		{"7x7 stem", conv(t, 3, 224, 224, 64, 7, 2, 3, 1), "amd64", "avx2", KindConvOther},
		{"depthwise", conv(t, 96, 56, 56, 96, 3, 2, 1, 96), "amd64", "avx2", KindDepthwise},
		{"pointwise", conv(t, 64, 56, 56, 256, 1, 1, 0, 1), "amd64", "avx2", KindConv1x1},
		{"strided 1x1", conv(t, 256, 56, 56, 512, 1, 2, 0, 1), "amd64", "avx2", KindConvOther},
		{"grouped 3x3", conv(t, 64, 28, 28, 64, 3, 1, 1, 4), "amd64", "avx2", KindConvOther},
		{"gemm", node(t, graphir.OpGemm, gemm, in(1, 512), weight(10, 512), weight(10)), "amd64", "avx2", KindGemm},
		{"matmul", node(t, graphir.OpMatMul, nil, in(4, 512), weight(512, 10)), "arm64", "neon", KindGemm},
		{"maxpool 2x2", pool(t, false, 64, 56, 2, 2, 0), "amd64", "avx2", KindPool},
		{"maxpool 3x3", pool(t, false, 64, 56, 3, 2, 1), "amd64", "avx2", KindPoolOther},
		{"avgpool", pool(t, true, 64, 56, 2, 2, 0), "amd64", "avx2", KindAvgPool},
		{"global pool", node(t, graphir.OpGlobalAveragePool, nil, in(1, 64, 7, 7)), "amd64", "avx2", KindGlobalPool},
		{"global max pool", node(t, graphir.OpGlobalMaxPool, nil, in(1, 64, 7, 7)), "amd64", "avx2", KindGlobalMax},
		{"relu", node(t, graphir.OpRelu, nil, in(1, 64, 7, 7)), "amd64", "avx2", KindElementwise},
		{"add", node(t, graphir.OpAdd, nil, in(1, 64, 7, 7), in(1, 64, 7, 7)), "amd64", "avx2", KindElementwise},
		{"mul by channel", node(t, graphir.OpMul, nil, in(1, 64, 7, 7), weight(1, 64, 1, 1)), "amd64", "avx2", KindElementwise},
		{"mul by plane", node(t, graphir.OpMul, nil, in(1, 64, 7, 7), in(1, 1, 7, 7)), "amd64", "avx2", KindRef},
		{"batch norm", bn(), "amd64", "avx2", KindElementwise},
		{"batch norm, input scale", node(t, graphir.OpBatchNormalization, nil, in(1, 8, 4, 4), in(8), weight(8), weight(8), weight(8)), "amd64", "avx2", KindRef},
		{"sigmoid", node(t, graphir.OpSigmoid, nil, in(1, 64, 7, 7)), "amd64", "avx2", KindRefMath},
		{"concat", node(t, graphir.OpConcat, concat, in(1, 8, 4, 4), in(1, 8, 4, 4)), "amd64", "avx2", KindConcat},
		{"slice", node(t, graphir.OpSlice, slice, in(1, 8, 4, 4)), "amd64", "avx2", KindSlice},
		{"pad", node(t, graphir.OpPad, pad, in(1, 8, 4, 4)), "amd64", "avx2", KindPad},
		{"transpose", node(t, graphir.OpTranspose, graphir.Attrs{"perm": ints(0, 1, 3, 2)}, in(1, 8, 4, 6)), "amd64", "avx2", KindMove},
		{"flatten", node(t, graphir.OpFlatten, nil, in(1, 8, 4, 4)), "amd64", "avx2", KindCopy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.n, tc.arch, tc.tier); got != tc.want {
				t.Errorf("Classify = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestClassify_FusedConv(t *testing.T) {
	x := in(1, 256, 28, 28)
	c := node(t, graphir.OpConv, graphir.Attrs{"kernel_shape": ints(3, 3), "pads": ints(1, 1, 1, 1)}, x, weight(256, 256, 3, 3))
	r := node(t, graphir.OpRelu, nil, c.Outputs[0])
	g := &graphir.Graph{Inputs: []*graphir.Value{x}, Outputs: r.Outputs, Nodes: []*graphir.Node{c, r}}
	f, removed := graphir.FuseConvEpilogues(g, nil)
	if removed != 1 {
		t.Fatalf("fused %d nodes, want 1", removed)
	}
	if got := Classify(f.Nodes[0], "amd64", "avx2"); got != KindWinograd {
		t.Errorf("Conv+Relu: %s, want %s", got, KindWinograd)
	}
}

func TestClassifySpatial(t *testing.T) {
	n := conv(t, 256, 56, 56, 256, 3, 1, 1, 1)
	full := graphir.FullRect(n.Outputs[0].Shape)
	if got := ClassifySpatial(n, full, "amd64", "avx2"); got != KindWinograd {
		t.Errorf("whole output: %s, want %s", got, KindWinograd)
	}
	// A tile with a halo (pads only at the image's borders) still runs
	// Winograd; one too short for the AVX2 tier's 28 rows runs the GEMM.
	half := graphir.Rect{Rows: graphir.Span{Lo: 0, Hi: 28}, Cols: graphir.Span{Lo: 0, Hi: 56}}
	if got := ClassifySpatial(n, half, "amd64", "avx2"); got != KindWinograd {
		t.Errorf("top half: %s, want %s", got, KindWinograd)
	}
	quarter := graphir.Rect{Rows: graphir.Span{Lo: 14, Hi: 28}, Cols: graphir.Span{Lo: 0, Hi: 56}}
	if got := ClassifySpatial(n, quarter, "amd64", "avx2"); got != KindConv3x3 {
		t.Errorf("second quarter: %s, want %s", got, KindConv3x3)
	}
	if got := ClassifySpatial(pool(t, false, 8, 8, 2, 2, 0), half, "amd64", "avx2"); got != KindPool {
		t.Errorf("pool tile: %s", got)
	}
}

func TestClassifyChannels(t *testing.T) {
	first := conv(t, 3, 224, 224, 32, 3, 2, 1, 1)
	if got := ClassifyChannels(first, 0, 16, "amd64", "avx2"); got != KindFirstLayer {
		t.Errorf("16 of 32 channels: %s, want %s", got, KindFirstLayer)
	}
	if got := ClassifyChannels(first, 0, 8, "amd64", "avx2"); got != KindConv3x3 {
		t.Errorf("8 of 32 channels (not a multiple of 16): %s, want %s", got, KindConv3x3)
	}
	wino := conv(t, 512, 28, 28, 512, 3, 1, 1, 1)
	if got := ClassifyChannels(wino, 0, 128, "amd64", "avx2"); got != KindConv3x3 {
		t.Errorf("128 of 512 channels: %s, want %s (Winograd needs 256)", got, KindConv3x3)
	}
	if got := ClassifyChannels(conv(t, 96, 28, 28, 96, 3, 1, 1, 96), 0, 48, "amd64", "avx2"); got != KindDepthwise {
		t.Errorf("depthwise slice: %s", got)
	}
}
