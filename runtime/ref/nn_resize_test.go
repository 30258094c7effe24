package ref

import (
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

// nnResize1D resizes [1, 2, 3, 4] by scale (sizes when size > 0).
func nnResize1D(t *testing.T, opset int, a nnAttrs, scale float32, size int64) *graphir.Tensor {
	t.Helper()
	x := nnF(graphir.Shape{4}, 1, 2, 3, 4)
	in := []*graphir.Tensor{x, nil, nnF(graphir.Shape{1}, scale)}
	if size > 0 {
		in = []*graphir.Tensor{x, nil, nil, nnI(size)}
	}
	if opset < 11 {
		in = []*graphir.Tensor{x, nnF(graphir.Shape{1}, scale)}
	}
	return nnCase{op: graphir.OpResize, opset: opset, attrs: a, in: in}.run(t)
}

func TestResize_CoordinateModes(t *testing.T) {
	lin := func(coord string) nnAttrs {
		return nnAttrs{"mode": nnAStr("linear"), "coordinate_transformation_mode": nnAStr(coord)}
	}
	cases := []struct {
		name  string
		attrs nnAttrs
		scale float32
		size  int64
		want  []float32
	}{
		// x_orig = (x + 0.5)/2 - 0.5; the ends clamp to the edge values.
		{"half_pixel", lin("half_pixel"), 2, 0, []float32{1, 1.25, 1.75, 2.25, 2.75, 3.25, 3.75, 4}},
		// x_orig = x * 3/7.
		{"align_corners", lin("align_corners"), 2, 0, []float32{1, 1 + 3.0/7, 1 + 6.0/7, 1 + 9.0/7, 1 + 12.0/7, 1 + 15.0/7, 1 + 18.0/7, 4}},
		// x_orig = x/2.
		{"asymmetric", lin("asymmetric"), 2, 0, []float32{1, 1.5, 2, 2.5, 3, 3.5, 4, 4}},
		// One output: pytorch_half_pixel reads x_orig = 0, half_pixel 1.5.
		{"pytorch_half_pixel_one", lin("pytorch_half_pixel"), 0, 1, []float32{1}},
		{"half_pixel_one", lin("half_pixel"), 0, 1, []float32{2.5}},
		// x_orig = (x + 0.5)/2 rounds .25 down and .75 up.
		{"tf_half_pixel_for_nearest", nnAttrs{"coordinate_transformation_mode": nnAStr("tf_half_pixel_for_nearest")}, 2, 0, []float32{1, 2, 2, 3, 3, 4, 4, 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := nnResize1D(t, 13, c.attrs, c.scale, c.size)
			nnExpect(t, got, graphir.Shape{len(c.want)}, c.want...)
		})
	}
}

func TestResize_NearestModes(t *testing.T) {
	// Asymmetric x_orig = x/2 puts every odd output on a tie.
	cases := map[string][]float32{
		"round_prefer_floor": {1, 1, 2, 2, 3, 3, 4, 4},
		"round_prefer_ceil":  {1, 2, 2, 3, 3, 4, 4, 4},
		"floor":              {1, 1, 2, 2, 3, 3, 4, 4},
		"ceil":               {1, 2, 2, 3, 3, 4, 4, 4},
	}
	for mode, want := range cases {
		t.Run(mode, func(t *testing.T) {
			a := nnAttrs{"coordinate_transformation_mode": nnAStr("asymmetric"), "nearest_mode": nnAStr(mode)}
			got := nnResize1D(t, 13, a, 2, 0)
			nnExpect(t, got, graphir.Shape{8}, want...)
		})
	}
	// Off the ties: x_orig = (x + 0.5)/1.5 - 0.5 = -1/6, 1/2, 7/6, 11/6, 5/2, 19/6.
	a := nnAttrs{"nearest_mode": nnAStr("floor")}
	nnExpect(t, nnResize1D(t, 13, a, 1.5, 0), graphir.Shape{6}, 1, 1, 2, 2, 3, 4)
	a = nnAttrs{"nearest_mode": nnAStr("ceil")}
	nnExpect(t, nnResize1D(t, 13, a, 1.5, 0), graphir.Shape{6}, 1, 2, 3, 3, 4, 4)
}

func TestResize_Opset10(t *testing.T) {
	// Opset 10: asymmetric coordinates; nearest truncates when upsampling
	// and takes the ceiling when downsampling (as onnxruntime does).
	got := nnResize1D(t, 10, nil, 2, 0)
	nnExpect(t, got, graphir.Shape{8}, 1, 1, 2, 2, 3, 3, 4, 4)
	got = nnResize1D(t, 10, nil, 0.6, 0) // x_orig = 0, 1.67 -> 2
	nnExpect(t, got, graphir.Shape{2}, 1, 3)
}

func TestResize_ExtrapolationAndExclude(t *testing.T) {
	// tf_crop_and_resize over roi [0.5, 1.5] of a 4-long axis samples
	// x_orig = 1.5, 3, 4.5; the last is outside and gets the extrapolation value.
	x := nnF(graphir.Shape{4}, 1, 2, 3, 4)
	roi := nnF(graphir.Shape{2}, 0.5, 1.5)
	a := nnAttrs{"mode": nnAStr("linear"), "coordinate_transformation_mode": nnAStr("tf_crop_and_resize"), "extrapolation_value": nnAFloat(-7)}
	got := nnCase{op: graphir.OpResize, opset: 13, attrs: a, in: []*graphir.Tensor{x, roi, nil, nnI(3)}}.run(t)
	nnExpect(t, got, graphir.Shape{3}, 2.5, 4, -7)

	// Cubic at x_orig = -0.25 (half_pixel, scale 2) reads indices -2..1;
	// exclude_outside drops the two outside taps and renormalises the
	// weights of indices 0 and 1, at distances 0.25 and 1.25. With
	// a = -0.75 these are 0.87890625 and -0.10546875.
	a = nnAttrs{"mode": nnAStr("cubic"), "exclude_outside": nnAInt(1)}
	got = nnResize1D(t, 13, a, 2, 0)
	want := (0.87890625*1 - 0.10546875*2) / (0.87890625 - 0.10546875)
	if d := got.F[0] - float32(want); d > 1e-6 || d < -1e-6 {
		t.Fatalf("first output %g, want %g", got.F[0], want)
	}
}

func TestUpsample(t *testing.T) {
	x := nnF(graphir.Shape{1, 1, 2, 2}, 1, 2, 3, 4)
	a := nnAttrs{"scales": nnAFloats(1, 1, 2, 1.5)}
	got := nnCase{op: graphir.OpUpsample, opset: 7, attrs: a, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 4, 3},
		1, 1, 2,
		1, 1, 2,
		3, 3, 4,
		3, 3, 4)
	a = nnAttrs{"mode": nnAStr("linear")}
	got = nnCase{op: graphir.OpUpsample, opset: 9, attrs: a, in: []*graphir.Tensor{x, nnF(graphir.Shape{4}, 1, 1, 1, 2)}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 1, 2, 4}, 1, 1.5, 2, 2, 3, 3.5, 4, 4)
}
