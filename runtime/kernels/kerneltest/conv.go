package kerneltest

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

// ConvSpec describes one 2-D convolution case.
type ConvSpec struct {
	N, C, H, W, M    int // batch, input channels, image, output channels
	KH, KW, SH, SW   int
	DH, DW           int
	Pads             [4]int // top, left, bottom, right
	Group            int
	Bias             bool
	AutoPad          string // "" for explicit pads
	Act              string // fused activation ("" none)
	ActAlpha, Lo, Hi float32
	// Winograd marks a shape the fast kernels run as Winograd F(2x2, 3x3),
	// whose input and output transforms amplify rounding: its tolerance
	// is 4 times that of a direct sum of the same length (measured: up to
	// 3.5e-5 at K = 2304, where the direct sum's bound is 3e-5).
	Winograd bool
}

func (s ConvSpec) String() string {
	name := fmt.Sprintf("n%dc%dh%dw%dm%d_k%dx%d_s%dx%d_d%dx%d_p%d.%d.%d.%d_g%d", s.N, s.C, s.H, s.W, s.M,
		s.KH, s.KW, s.SH, s.SW, s.DH, s.DW, s.Pads[0], s.Pads[1], s.Pads[2], s.Pads[3], s.Group)
	if !s.Bias {
		name += "_nobias"
	}
	if s.AutoPad != "" {
		name += "_" + s.AutoPad
	}
	if s.Act != "" {
		name += "_" + s.Act
	}
	return name
}

// Case builds the node case of s with random data from r.
func (s ConvSpec) Case(r *rand.Rand) Case {
	a := graphir.Attrs{"strides": aInts(s.SH, s.SW), "dilations": aInts(s.DH, s.DW), "group": aInt(int64(s.Group)),
		"kernel_shape": aInts(s.KH, s.KW)}
	if s.AutoPad != "" {
		a["auto_pad"] = aStr(s.AutoPad)
	} else {
		a["pads"] = aInts(s.Pads[0], s.Pads[1], s.Pads[2], s.Pads[3])
	}
	if s.Act != "" {
		a[graphir.AttrActivation] = aStr(s.Act)
		switch s.Act {
		case "LeakyRelu":
			a[graphir.AttrActivationAlpha] = aFloat(s.ActAlpha)
		case "Clip":
			a[graphir.AttrActivationMin] = aFloat(s.Lo)
			a[graphir.AttrActivationMax] = aFloat(s.Hi)
		}
	}
	in := []*graphir.Tensor{Rand(r, graphir.Shape{s.N, s.C, s.H, s.W}), Rand(r, graphir.Shape{s.M, s.C / s.Group, s.KH, s.KW})}
	if s.Bias {
		in = append(in, Rand(r, graphir.Shape{s.M}))
	}
	return Case{Name: s.String(), Op: graphir.OpConv, Attrs: a, In: in, Const: []bool{false, true, true},
		K: s.C / s.Group * s.KH * s.KW * map[bool]int{false: 1, true: 16}[s.Winograd]}
}

func conv(n, c, h, w, m, k, s, p, g int) ConvSpec {
	return ConvSpec{N: n, C: c, H: h, W: w, M: m, KH: k, KW: k, SH: s, SW: s, DH: 1, DW: 1, Pads: [4]int{p, p, p, p}, Group: g, Bias: true}
}

// depthwise8 are depthwise convolutions of 8 channels or more, which the
// fast kernels run 8 channels at a time: channel counts that leave a
// remainder, several row bands, both column strides, a row stride of 3,
// dilation, asymmetric pads, a kernel larger than the image, activations
// applied in registers (Relu, Clip) and after (LeakyRelu, HardSwish).
var depthwise8 = []ConvSpec{
	{N: 1, C: 8, H: 14, W: 14, M: 8, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 8, Bias: true, Act: "Clip", Lo: 0, Hi: 6},
	{N: 2, C: 19, H: 23, W: 17, M: 19, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 19, Bias: true, Act: "Relu"},
	{N: 1, C: 16, H: 15, W: 18, M: 16, KH: 5, KW: 5, SH: 2, SW: 2, DH: 2, DW: 2, Pads: [4]int{2, 2, 2, 2}, Group: 16, Act: "LeakyRelu", ActAlpha: 0.1},
	{N: 1, C: 8, H: 20, W: 70, M: 8, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 8, Bias: true, Act: "HardSwish"},
	{N: 1, C: 8, H: 20, W: 70, M: 8, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, Pads: [4]int{0, 1, 1, 0}, Group: 8, Bias: true},
	{N: 1, C: 8, H: 16, W: 11, M: 8, KH: 3, KW: 2, SH: 3, SW: 1, DH: 2, DW: 1, Pads: [4]int{0, 1, 2, 3}, Group: 8, Bias: true},
	{N: 1, C: 10, H: 3, W: 4, M: 10, KH: 5, KW: 5, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{2, 2, 2, 2}, Group: 10, Bias: true, Act: "Sigmoid"},
	{N: 2, C: 9, H: 1, W: 1, M: 9, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 9, Bias: true},
	{N: 1, C: 8, H: 9, W: 9, M: 8, KH: 1, KW: 1, SH: 2, SW: 2, DH: 1, DW: 1, Group: 8},
}

// planar3 are 3x3 stride-1 depthwise convolutions with pads of 1 on
// planes at least 16 wide, which AVX-512 computes in the planes' own
// layout (conv_dw3.go): widths of exactly one vector, one and a tail,
// several; heights of 1 and 2 (every tap row from the zero row) and 7 (a
// block of 4 rows and one of 3); two images, no bias, an activation after
// (LeakyRelu) and one in registers; planes 12 and 7 wide, too narrow,
// which stay interleaved; and stride 2 on planes as wide (interleaved).
var planar3 = []ConvSpec{
	{N: 2, C: 3, H: 7, W: 12, M: 3, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 3, Bias: true, Act: "Clip", Lo: 0, Hi: 6},
	{N: 2, C: 3, H: 7, W: 20, M: 3, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 3, Bias: true, Act: "Clip", Lo: 0, Hi: 6},
	{N: 1, C: 5, H: 1, W: 16, M: 5, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 5, Bias: true},
	{N: 1, C: 4, H: 2, W: 17, M: 4, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 4, Act: "LeakyRelu", ActAlpha: 0.1},
	{N: 2, C: 6, H: 9, W: 50, M: 6, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 6, Bias: true, Act: "Relu"},
	{N: 1, C: 16, H: 7, W: 7, M: 16, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 16, Bias: true, Act: "Clip", Lo: 0, Hi: 6},
	{N: 1, C: 8, H: 28, W: 28, M: 8, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 8, Bias: true, Act: "Clip", Lo: 0, Hi: 6},
}

// direct16 are convolutions of few input channels into a multiple of 16
// output channels, which the fast kernels compute directly (a network's
// first layer): both column strides, a row stride of 3, dilation,
// asymmetric pads, one pixel, several row bands, activations in registers
// and after.
var direct16 = []ConvSpec{
	{N: 1, C: 3, H: 20, W: 23, M: 16, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 1, Bias: true, Act: "Clip", Lo: 0, Hi: 6},
	{N: 2, C: 3, H: 17, W: 30, M: 32, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 1, Bias: true, Act: "LeakyRelu", ActAlpha: 0.1},
	{N: 1, C: 1, H: 9, W: 7, M: 16, KH: 5, KW: 5, SH: 1, SW: 1, DH: 2, DW: 1, Pads: [4]int{0, 2, 1, 0}, Group: 1},
	{N: 1, C: 4, H: 12, W: 13, M: 16, KH: 2, KW: 3, SH: 3, SW: 2, DH: 1, DW: 2, Pads: [4]int{1, 0, 0, 2}, Group: 1, Bias: true, Act: "Relu"},
	{N: 1, C: 3, H: 1, W: 1, M: 16, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 1, Bias: true},
	{N: 1, C: 3, H: 10, W: 150, M: 16, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 1, Bias: true, Act: "Sigmoid"},
}

// winograd are 3x3 convolutions the fast kernels run as Winograd F(2x2,
// 3x3): odd and even sizes (partial tiles), two images, activations after;
// with 256 channels (the path's lower bound) and 28 rows.
var winograd = []ConvSpec{
	{N: 1, C: 256, H: 28, W: 10, M: 256, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 1, Bias: true, Act: "Relu", Winograd: true},
	{N: 2, C: 258, H: 29, W: 5, M: 264, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 1, Act: "LeakyRelu", ActAlpha: 0.1, Winograd: true},
	// Tiles of a "same" layer: a halo where the neighbours are, the pad at
	// the image's borders (an interior strip, a first strip, a corner of
	// a grid, a last column of odd width).
	{N: 1, C: 256, H: 30, W: 9, M: 256, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{0, 1, 0, 1}, Group: 1, Bias: true, Winograd: true},
	{N: 1, C: 256, H: 29, W: 8, M: 256, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 0, 1}, Group: 1, Act: "Relu", Winograd: true},
	{N: 1, C: 256, H: 29, W: 7, M: 256, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 0, 0, 1}, Group: 1, Bias: true, Winograd: true},
	{N: 1, C: 256, H: 30, W: 12, M: 256, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{0, 0, 0, 0}, Group: 1, Bias: true, Winograd: true},
}

// ConvCases are the fixed edge cases and seeded random cases of Conv2D.
func ConvCases(seed int64, random int) []ConvSpec {
	specs := []ConvSpec{
		conv(1, 3, 8, 8, 4, 1, 1, 0, 1),     // pointwise
		conv(1, 16, 7, 9, 24, 1, 1, 0, 1),   // pointwise, odd sizes
		conv(1, 8, 9, 9, 6, 1, 2, 0, 1),     // 1x1 stride 2
		conv(1, 3, 9, 11, 5, 3, 1, 1, 1),    // 3x3 same
		conv(2, 4, 10, 10, 7, 3, 2, 1, 1),   // batch 2, stride 2
		conv(1, 5, 12, 13, 3, 5, 1, 2, 1),   // 5x5
		conv(1, 2, 5, 5, 3, 7, 1, 3, 1),     // kernel larger than image
		conv(1, 3, 1, 17, 2, 1, 1, 0, 1),    // one row
		conv(1, 3, 17, 1, 2, 3, 1, 1, 1),    // one column
		conv(1, 64, 10, 12, 19, 3, 1, 1, 1), // K = 576
		conv(1, 4, 16, 33, 8, 3, 1, 1, 2),   // groups
		conv(1, 8, 9, 7, 8, 3, 1, 1, 4),     // groups of 2 channels
		conv(1, 6, 11, 10, 6, 3, 1, 1, 6),   // depthwise
		conv(1, 6, 11, 10, 6, 3, 2, 1, 6),   // depthwise stride 2
		conv(2, 4, 9, 13, 8, 3, 1, 1, 4),    // depthwise multiplier 2
		conv(1, 5, 14, 14, 5, 5, 2, 2, 5),   // depthwise 5x5 s2
		conv(1, 4, 6, 6, 4, 1, 1, 0, 4),     // depthwise 1x1
		conv(1, 3, 40, 37, 16, 3, 1, 1, 1),  // several panels and rows
	}
	odd := []ConvSpec{
		{N: 1, C: 3, H: 9, W: 10, M: 5, KH: 1, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{0, 1, 0, 1}, Group: 1, Bias: true},
		{N: 1, C: 3, H: 9, W: 10, M: 5, KH: 3, KW: 1, SH: 2, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 0, 1, 0}, Group: 1},
		{N: 1, C: 2, H: 12, W: 11, M: 4, KH: 3, KW: 3, SH: 1, SW: 1, DH: 2, DW: 3, Pads: [4]int{2, 3, 2, 3}, Group: 1, Bias: true},
		{N: 1, C: 4, H: 13, W: 12, M: 3, KH: 2, KW: 3, SH: 3, SW: 2, DH: 1, DW: 2, Pads: [4]int{0, 1, 2, 3}, Group: 1, Bias: true},
		{N: 1, C: 4, H: 13, W: 12, M: 4, KH: 3, KW: 3, SH: 1, SW: 3, DH: 2, DW: 1, Pads: [4]int{3, 0, 1, 2}, Group: 4, Bias: true},
		{N: 1, C: 3, H: 10, W: 9, M: 4, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, Group: 1, Bias: true, AutoPad: "SAME_UPPER"},
		// column stride 2 with output rows of 16+ pixels: the split-column
		// im2col packs whole and border rows (a ResNet-like stem, odd width;
		// dilation 2; 1x1 downsampling)
		{N: 1, C: 3, H: 7, W: 67, M: 5, KH: 7, KW: 7, SH: 2, SW: 2, DH: 1, DW: 1, Pads: [4]int{3, 3, 3, 3}, Group: 1, Bias: true},
		{N: 1, C: 4, H: 6, W: 70, M: 7, KH: 3, KW: 3, SH: 1, SW: 2, DH: 1, DW: 2, Pads: [4]int{2, 2, 1, 2}, Group: 1, Bias: true},
		{N: 2, C: 5, H: 4, W: 41, M: 6, KH: 1, KW: 1, SH: 2, SW: 2, DH: 1, DW: 1, Group: 1},
		// 1x1 stride 2 on even sizes: the subsampled copy (two images of
		// two groups; ResNet's downsampling, channels split over threads)
		{N: 2, C: 6, H: 8, W: 10, M: 4, KH: 1, KW: 1, SH: 2, SW: 2, DH: 1, DW: 1, Group: 2, Bias: true},
		{N: 1, C: 96, H: 28, W: 28, M: 40, KH: 1, KW: 1, SH: 2, SW: 2, DH: 1, DW: 1, Group: 1, Bias: true, Act: "Relu"},
		{N: 1, C: 3, H: 10, W: 9, M: 4, KH: 4, KW: 4, SH: 3, SW: 3, DH: 1, DW: 1, Group: 1, AutoPad: "SAME_LOWER"},
		{N: 1, C: 3, H: 10, W: 9, M: 4, KH: 3, KW: 2, SH: 1, SW: 1, DH: 1, DW: 1, Group: 1, Bias: true, AutoPad: "VALID"},
		// depthwise: wide rows (deinterleaved row by row at stride 2), odd
		// and asymmetric pads, dilation, stride 3, 1x1 planes
		{N: 1, C: 3, H: 9, W: 40, M: 3, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 3, Bias: true},
		{N: 2, C: 2, H: 7, W: 37, M: 4, KH: 3, KW: 5, SH: 2, SW: 2, DH: 1, DW: 1, Pads: [4]int{0, 3, 2, 1}, Group: 2, Bias: true},
		{N: 1, C: 3, H: 12, W: 35, M: 6, KH: 3, KW: 3, SH: 2, SW: 2, DH: 2, DW: 2, Pads: [4]int{2, 1, 1, 2}, Group: 3},
		{N: 1, C: 4, H: 11, W: 13, M: 4, KH: 3, KW: 3, SH: 1, SW: 1, DH: 2, DW: 2, Pads: [4]int{2, 2, 2, 2}, Group: 4, Bias: true},
		{N: 1, C: 3, H: 13, W: 14, M: 3, KH: 3, KW: 3, SH: 3, SW: 3, DH: 1, DW: 1, Pads: [4]int{1, 0, 2, 1}, Group: 3, Bias: true},
		{N: 1, C: 4, H: 10, W: 11, M: 4, KH: 3, KW: 3, SH: 2, SW: 1, DH: 1, DW: 1, Pads: [4]int{0, 1, 1, 0}, Group: 4, Bias: true},
		{N: 2, C: 5, H: 1, W: 1, M: 5, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 5, Bias: true},
		{N: 1, C: 5, H: 1, W: 1, M: 10, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 5, Bias: true},
		{N: 1, C: 4, H: 30, W: 33, M: 4, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 4, Bias: true,
			Act: "Clip", Lo: 0, Hi: 0.5},
	}
	specs = append(specs, odd...)
	specs = append(specs, depthwise8...)
	specs = append(specs, planar3...)
	specs = append(specs, direct16...)
	specs = append(specs, winograd...)
	acts := []ConvSpec{
		{Act: "Relu"}, {Act: "LeakyRelu", ActAlpha: 0.1}, {Act: "Clip", Lo: -0.25, Hi: 0.5}, {Act: "HardSwish"}, {Act: "Sigmoid"},
	}
	for i, a := range acts {
		for _, base := range []ConvSpec{specs[3], specs[12], specs[0]} {
			s := base
			s.Act, s.ActAlpha, s.Lo, s.Hi = a.Act, a.ActAlpha, a.Lo, a.Hi
			if i%2 == 1 {
				s.Bias = !s.Bias
			}
			specs = append(specs, s)
		}
	}
	r := rand.New(rand.NewSource(seed))
	want := len(specs) + random
	for len(specs) < want {
		s := ConvSpec{N: 1 + r.Intn(2), H: 1 + r.Intn(20), W: 1 + r.Intn(20),
			KH: 1 + r.Intn(4), KW: 1 + r.Intn(4), SH: 1 + r.Intn(3), SW: 1 + r.Intn(3),
			DH: 1 + r.Intn(3), DW: 1 + r.Intn(3), Bias: r.Intn(4) != 0}
		s.Group = []int{1, 1, 1, 2, 3}[r.Intn(5)]
		s.C = s.Group * (1 + r.Intn(12))
		if r.Intn(5) == 0 {
			s.C = s.Group
		}
		s.M = s.Group * (1 + r.Intn(10))
		for i := range s.Pads {
			s.Pads[i] = r.Intn(4)
		}
		ext := func(k, d int) int { return (k-1)*d + 1 }
		if s.H+s.Pads[0]+s.Pads[2] < ext(s.KH, s.DH) || s.W+s.Pads[1]+s.Pads[3] < ext(s.KW, s.DW) {
			continue
		}
		if r.Intn(4) == 0 {
			s.Act = []string{"Relu", "LeakyRelu", "Clip", "HardSwish", "Sigmoid"}[r.Intn(5)]
			s.ActAlpha, s.Lo, s.Hi = 0.2, -0.5, 0.75
		}
		specs = append(specs, s)
	}
	return specs
}

// Conv2D runs the convolution suite: fixed edge cases (every stride, pad,
// dilation, group and depthwise form, auto_pad, fused activations) and 40
// seeded random shapes.
func Conv2D(t *testing.T, prep Prepare) Stats {
	t.Helper()
	r := rand.New(rand.NewSource(1))
	var cases []Case
	for _, s := range ConvCases(2, 40) {
		cases = append(cases, s.Case(r))
	}
	return Run(t, prep, cases)
}
