package costmodel

import (
	"math"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

// HeldWeightBytes adds the kernel's copy of a convolution's weights (16/9
// of them for Winograd, one copy for the GEMM) to the constants; a
// depthwise convolution and a Gemm read theirs as they are.
func TestHeldWeightBytes(t *testing.T) {
	w3 := float64(64 * 64 * 9 * 4)
	gemm := graphir.Attrs{}
	gemm.SetInt("transB", 1)
	for _, tc := range []struct {
		name string
		n    *graphir.Node
		k    Kind
		want float64
	}{
		{"winograd", conv(t, 64, 14, 14, 64, 3, 1, 1, 1), KindWinograd, w3 * (1 + 16.0/9)},
		{"gemm conv", conv(t, 64, 14, 14, 64, 3, 1, 1, 1), KindConv3x3, 2 * w3},
		{"depthwise", conv(t, 64, 14, 14, 64, 3, 1, 1, 64), KindDepthwise, 64 * 9 * 4},
		{"fc", node(t, graphir.OpGemm, gemm, in(1, 512), weight(10, 512), weight(10)), KindGemm, (10*512 + 10) * 4},
		{"relu", node(t, graphir.OpRelu, nil, in(1, 8, 4, 4)), KindElementwise, 0},
	} {
		got := HeldWeightBytes(tc.n, tc.k)
		if b := tc.n.In(2); b != nil && tc.n.Op == graphir.OpConv && b.IsConst() {
			tc.want += float64(b.Shape.Size() * 4) // the bias, once
		}
		if math.Abs(got-tc.want) > 1e-6*tc.want {
			t.Errorf("%s: %.0f bytes, want %.0f", tc.name, got, tc.want)
		}
	}
}
