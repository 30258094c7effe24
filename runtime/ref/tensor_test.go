package ref

import (
	"strings"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

func TestSlice_Kernel(t *testing.T) {
	x := tensorTestIota(tshape{4, 5})
	tests := []struct {
		name                      string
		starts, ends, axes, steps []int64
		want                      *graphir.Tensor
	}{
		{"negative steps", []int64{-1, 4}, []int64{-1000, -1000}, []int64{0, 1}, []int64{-1, -2},
			tensorTestF(tshape{4, 3}, 19, 17, 15, 14, 12, 10, 9, 7, 5, 4, 2, 0)},
		{"negative step stops before end", []int64{3}, []int64{0}, []int64{1}, []int64{-1},
			tensorTestF(tshape{4, 3}, 3, 2, 1, 8, 7, 6, 13, 12, 11, 18, 17, 16)},
		{"clamped", []int64{-100, 3}, []int64{100, 100}, []int64{0, 1}, []int64{3, 1},
			tensorTestF(tshape{2, 2}, 3, 4, 18, 19)},
		{"empty", []int64{10}, []int64{20}, []int64{0}, []int64{1}, tensorTestF(tshape{0, 5})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []*graphir.Tensor{x, tensorTestI(tshape{len(tt.starts)}, tt.starts...), tensorTestI(tshape{len(tt.ends)}, tt.ends...),
				tensorTestI(tshape{len(tt.axes)}, tt.axes...), tensorTestI(tshape{len(tt.steps)}, tt.steps...)}
			out := tensorSpec{op: graphir.OpSlice, in: in, consts: []int{1, 2, 3, 4}}.run(t)
			tensorTestExpect(t, out[0], tt.want)
		})
	}
	// Opset 1 attributes, int64 data.
	attrs := graphir.Attrs{}
	attrs.SetInts("starts", []int64{1})
	attrs.SetInts("ends", []int64{-1})
	out := tensorSpec{op: graphir.OpSlice, opset: 1, attrs: attrs, in: []*graphir.Tensor{tensorTestI(tshape{4}, 1, 2, 3, 4)}}.run(t)
	tensorTestExpect(t, out[0], tensorTestI(tshape{2}, 2, 3))
}

func TestPad_Modes(t *testing.T) {
	x := tensorTestF(tshape{2, 3}, 1, 2, 3, 4, 5, 6)
	pads := tensorTestI(tshape{4}, 1, 2, 0, 1)
	tests := []struct {
		mode string
		want []float32
	}{
		{"constant", []float32{9, 9, 9, 9, 9, 9, 9, 9, 1, 2, 3, 9, 9, 9, 4, 5, 6, 9}},
		{"reflect", []float32{6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5}},
		{"edge", []float32{1, 1, 1, 2, 3, 3, 1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6}},
		{"wrap", []float32{5, 6, 4, 5, 6, 4, 2, 3, 1, 2, 3, 1, 5, 6, 4, 5, 6, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			attrs := graphir.Attrs{}
			attrs.SetString("mode", tt.mode)
			in := []*graphir.Tensor{x, pads, tensorTestF(tshape{}, 9)}
			out := tensorSpec{op: graphir.OpPad, opset: 18, attrs: attrs, in: in, consts: []int{1, 2}}.run(t)
			tensorTestExpect(t, out[0], tensorTestF(tshape{3, 6}, tt.want...))
		})
	}
	t.Run("reflect beyond size", func(t *testing.T) {
		attrs := graphir.Attrs{}
		attrs.SetString("mode", "reflect")
		in := []*graphir.Tensor{tensorTestF(tshape{3}, 1, 2, 3), tensorTestI(tshape{2}, 4, 0)}
		out := tensorSpec{op: graphir.OpPad, attrs: attrs, in: in, consts: []int{1}}.run(t)
		tensorTestExpect(t, out[0], tensorTestF(tshape{7}, 1, 2, 3, 2, 1, 2, 3))
	})
	t.Run("crop", func(t *testing.T) {
		in := []*graphir.Tensor{x, tensorTestI(tshape{4}, 0, -1, 0, -1)}
		out := tensorSpec{op: graphir.OpPad, in: in, consts: []int{1}}.run(t)
		tensorTestExpect(t, out[0], tensorTestF(tshape{2, 1}, 2, 5))
	})
	t.Run("opset 2 int64", func(t *testing.T) {
		attrs := graphir.Attrs{}
		attrs.SetInts("pads", []int64{1, 1})
		attrs.SetFloat("value", -1)
		out := tensorSpec{op: graphir.OpPad, opset: 2, attrs: attrs, in: []*graphir.Tensor{tensorTestI(tshape{2}, 5, 6)}}.run(t)
		tensorTestExpect(t, out[0], tensorTestI(tshape{4}, -1, 5, 6, -1))
	})
}

func TestReshapeFamily_Kernel(t *testing.T) {
	x := tensorTestI(tshape{2, 3}, 1, 2, 3, 4, 5, 6)
	out := tensorSpec{op: graphir.OpReshape, in: []*graphir.Tensor{x, tensorTestI(tshape{3}, 0, -1, 1)}, consts: []int{1}}.run(t)
	tensorTestExpect(t, out[0], tensorTestI(tshape{2, 3, 1}, 1, 2, 3, 4, 5, 6))
	out = tensorSpec{op: graphir.OpUnsqueeze, in: []*graphir.Tensor{x, tensorTestI(tshape{1}, 0)}, consts: []int{1}}.run(t)
	tensorTestExpect(t, out[0], tensorTestI(tshape{1, 2, 3}, 1, 2, 3, 4, 5, 6))
	out = tensorSpec{op: graphir.OpSqueeze, in: []*graphir.Tensor{tensorTestF(tshape{1, 2, 1}, 7, 8)}}.run(t)
	tensorTestExpect(t, out[0], tensorTestF(tshape{2}, 7, 8))
	out = tensorSpec{op: graphir.OpFlatten, attrs: graphir.Attrs{"axis": {Kind: graphir.AttrInt, Int: 0}}, in: []*graphir.Tensor{x}}.run(t)
	tensorTestExpect(t, out[0], tensorTestI(tshape{1, 6}, 1, 2, 3, 4, 5, 6))
	out = tensorSpec{op: graphir.OpDropout, in: []*graphir.Tensor{tensorTestF(tshape{2}, 1, 2), tensorTestF(tshape{}, 0.5)}}.run(t)
	tensorTestExpect(t, out[0], tensorTestF(tshape{2}, 1, 2))
}

func TestTranspose_Kernel(t *testing.T) {
	x := tensorTestIota(tshape{2, 3, 4})
	perm := graphir.Attrs{}
	perm.SetInts("perm", []int64{1, 2, 0})
	out := tensorSpec{op: graphir.OpTranspose, attrs: perm, in: []*graphir.Tensor{x}}.run(t)
	y := out[0]
	if !y.Shape.Equal(tshape{3, 4, 2}) {
		t.Fatalf("shape %v", y.Shape)
	}
	for j := range 3 {
		for k := range 4 {
			for i := range 2 {
				if got, want := y.F[(j*4+k)*2+i], x.F[(i*3+j)*4+k]; got != want {
					t.Fatalf("y[%d,%d,%d] = %g, want %g", j, k, i, got, want)
				}
			}
		}
	}
	out = tensorSpec{op: graphir.OpTranspose, in: []*graphir.Tensor{tensorTestI(tshape{2, 2}, 1, 2, 3, 4)}}.run(t)
	tensorTestExpect(t, out[0], tensorTestI(tshape{2, 2}, 1, 3, 2, 4))
}

func TestConcatSplit_Kernel(t *testing.T) {
	a := tensorTestI(tshape{2, 2}, 1, 2, 3, 4)
	b := tensorTestI(tshape{2, 1}, 5, 6)
	axis := graphir.Attrs{"axis": {Kind: graphir.AttrInt, Int: -1}}
	out := tensorSpec{op: graphir.OpConcat, attrs: axis, in: []*graphir.Tensor{a, b}}.run(t)
	tensorTestExpect(t, out[0], tensorTestI(tshape{2, 3}, 1, 2, 5, 3, 4, 6))
	out = tensorSpec{op: graphir.OpConcat, attrs: graphir.Attrs{"axis": {Kind: graphir.AttrInt, Int: 0}},
		in: []*graphir.Tensor{tensorTestI(tshape{1}, 7), tensorTestI(tshape{0}), tensorTestI(tshape{2}, 8, 9)}}.run(t)
	tensorTestExpect(t, out[0], tensorTestI(tshape{3}, 7, 8, 9))

	x := tensorTestIota(tshape{2, 4})
	out = tensorSpec{op: graphir.OpSplit, attrs: axis, in: []*graphir.Tensor{x, tensorTestI(tshape{3}, 1, 0, 3)}, consts: []int{1}, outs: 3}.run(t)
	tensorTestExpect(t, out[0], tensorTestF(tshape{2, 1}, 0, 4))
	tensorTestExpect(t, out[1], tensorTestF(tshape{2, 0}))
	tensorTestExpect(t, out[2], tensorTestF(tshape{2, 3}, 1, 2, 3, 5, 6, 7))
}

func TestGather_Kernel(t *testing.T) {
	x := tensorTestIota(tshape{2, 3})
	axis1 := graphir.Attrs{"axis": {Kind: graphir.AttrInt, Int: 1}}
	out := tensorSpec{op: graphir.OpGather, attrs: axis1, in: []*graphir.Tensor{x, tensorTestI(tshape{2, 2}, -1, 0, 1, -3)}}.run(t)
	tensorTestExpect(t, out[0], tensorTestF(tshape{2, 2, 2}, 2, 0, 1, 0, 5, 3, 4, 3))
	// Shape arithmetic: pick one dimension of a shape as a scalar.
	dims := tensorTestI(tshape{4}, 1, 3, 224, 224)
	out = tensorSpec{op: graphir.OpGather, in: []*graphir.Tensor{dims, tensorTestI(tshape{}, -2)}, consts: []int{1}}.run(t)
	tensorTestExpect(t, out[0], tensorTestI(tshape{}, 224))
	_, err := tensorSpec{op: graphir.OpGather, in: []*graphir.Tensor{dims, tensorTestI(tshape{1}, 4)}}.runErr()
	if err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("computed index 4 of 4: %v", err)
	}
}

func TestExpandTile_Kernel(t *testing.T) {
	x := tensorTestF(tshape{3, 1}, 1, 2, 3)
	out := tensorSpec{op: graphir.OpExpand, in: []*graphir.Tensor{x, tensorTestI(tshape{3}, 2, 1, 2)}, consts: []int{1}}.run(t)
	tensorTestExpect(t, out[0], tensorTestF(tshape{2, 3, 2}, 1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3))
	out = tensorSpec{op: graphir.OpExpand, in: []*graphir.Tensor{tensorTestI(tshape{}, 7), tensorTestI(tshape{1}, 3)}, consts: []int{1}}.run(t)
	tensorTestExpect(t, out[0], tensorTestI(tshape{3}, 7, 7, 7))
	out = tensorSpec{op: graphir.OpTile, in: []*graphir.Tensor{tensorTestI(tshape{2, 2}, 1, 2, 3, 4), tensorTestI(tshape{2}, 2, 2)}, consts: []int{1}}.run(t)
	tensorTestExpect(t, out[0], tensorTestI(tshape{4, 4}, 1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4))
}

func TestConstOps_Kernel(t *testing.T) {
	out := tensorSpec{op: graphir.OpRange, in: []*graphir.Tensor{tensorTestI(tshape{}, 10), tensorTestI(tshape{}, 0), tensorTestI(tshape{}, -3)}, consts: []int{0, 1, 2}}.run(t)
	tensorTestExpect(t, out[0], tensorTestI(tshape{4}, 10, 7, 4, 1))
	out = tensorSpec{op: graphir.OpRange, in: []*graphir.Tensor{tensorTestF(tshape{}, 1), tensorTestF(tshape{}, 2), tensorTestF(tshape{}, 0.25)}, consts: []int{0, 1, 2}}.run(t)
	tensorTestExpect(t, out[0], tensorTestF(tshape{4}, 1, 1.25, 1.5, 1.75))

	to := func(dt int64) graphir.Attrs { return graphir.Attrs{"to": {Kind: graphir.AttrInt, Int: dt}} }
	out = tensorSpec{op: graphir.OpCast, attrs: to(7), in: []*graphir.Tensor{tensorTestF(tshape{4}, -1.7, -0.2, 0.9, 2.5)}}.run(t)
	tensorTestExpect(t, out[0], tensorTestI(tshape{4}, -1, 0, 0, 2))
	out = tensorSpec{op: graphir.OpCast, attrs: to(1), in: []*graphir.Tensor{tensorTestI(tshape{2}, -3, 5)}}.run(t)
	tensorTestExpect(t, out[0], tensorTestF(tshape{2}, -3, 5))
	out = tensorSpec{op: graphir.OpCast, attrs: to(1), in: []*graphir.Tensor{tensorTestF(tshape{1}, 0.5)}}.run(t)
	tensorTestExpect(t, out[0], tensorTestF(tshape{1}, 0.5))

	se := graphir.Attrs{}
	se.SetInt("start", -3)
	out = tensorSpec{op: graphir.OpShape, opset: 15, attrs: se, in: []*graphir.Tensor{tensorTestIota(tshape{1, 3, 4, 5})}}.run(t)
	tensorTestExpect(t, out[0], tensorTestI(tshape{3}, 3, 4, 5))

	val := graphir.Attrs{"value": {Kind: graphir.AttrTensor, Tensor: tensorTestI(tshape{1}, 4)}}
	out = tensorSpec{op: graphir.OpConstantOfShape, attrs: val, in: []*graphir.Tensor{tensorTestI(tshape{2}, 2, 2)}, consts: []int{0}}.run(t)
	tensorTestExpect(t, out[0], tensorTestI(tshape{2, 2}, 4, 4, 4, 4))
	out = tensorSpec{op: graphir.OpConstantOfShape, in: []*graphir.Tensor{tensorTestI(tshape{1}, 3)}, consts: []int{0}}.run(t)
	tensorTestExpect(t, out[0], tensorTestF(tshape{3}, 0, 0, 0))

	out = tensorSpec{op: graphir.OpConstant, attrs: graphir.Attrs{"value_floats": {Kind: graphir.AttrFloats, Floats: []float32{1, 2}}}}.run(t)
	tensorTestExpect(t, out[0], tensorTestF(tshape{2}, 1, 2))
}
