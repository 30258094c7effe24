package graphir

import (
	"fmt"
	"math"
)

// Output sizes and scales of Resize and Upsample, and Upsample itself.

// resizeAxes returns the resized axes: all of them, or the axes attribute.
func resizeAxes(axes []int64, rank int) ([]int, error) {
	out := make([]int, 0, rank)
	if axes == nil {
		for i := 0; i < rank; i++ {
			out = append(out, i)
		}
		return out, nil
	}
	seen := make(map[int]bool)
	for _, a := range axes {
		p, err := NormAxis(a, rank)
		if err != nil {
			return nil, err
		}
		if seen[p] {
			return nil, fmt.Errorf("axis %d is repeated in axes %v", a, axes)
		}
		seen[p] = true
		out = append(out, p)
	}
	return out, nil
}

// fromScales sets the output size floor(in * scale), times the roi extent
// for tf_crop_and_resize. The product is taken in float32, as runtimes do.
func (s *resizeSpec) fromScales(in Shape, axes []int, scales []float32) error {
	if len(scales) != len(axes) {
		return fmt.Errorf("scales has %d values, want %d", len(scales), len(axes))
	}
	s.scales = make([]float32, len(in))
	for i := range s.scales {
		s.scales[i] = 1
	}
	s.out = in.Clone()
	for i, a := range axes {
		sc := scales[i]
		if !(sc > 0) || math.IsInf(float64(sc), 0) {
			return fmt.Errorf("scale %g for axis %d is not positive", sc, a)
		}
		s.scales[a] = sc
		extent := float32(in[a]) * sc
		if s.roi != nil {
			extent = float32(in[a]) * (s.roi[len(in)+a] - s.roi[a]) * sc
		}
		s.out[a] = int(math.Floor(float64(extent)))
		if s.out[a] < 1 && in[a] > 0 {
			return fmt.Errorf("scale %g makes axis %d of size %d empty", sc, a, in[a])
		}
	}
	return nil
}

// fromSizes sets the output size from sizes, the scale being size / input
// size; keep_aspect_ratio_policy picks one scale for all the axes.
func (s *resizeSpec) fromSizes(in Shape, axes []int, sizes []int64, policy string) error {
	if len(sizes) != len(axes) {
		return fmt.Errorf("sizes has %d values, want %d", len(sizes), len(axes))
	}
	s.scales = make([]float32, len(in))
	for i := range s.scales {
		s.scales[i] = 1
	}
	s.out = in.Clone()
	sizes = append([]int64(nil), sizes...) // may alias constant data
	ratios := make([]float64, len(axes))
	for i, a := range axes {
		if sizes[i] < 1 {
			return fmt.Errorf("size %d for axis %d is not positive", sizes[i], a)
		}
		if in[a] == 0 {
			return fmt.Errorf("cannot resize empty axis %d", a)
		}
		ratios[i] = float64(sizes[i]) / float64(in[a])
	}
	if policy != "stretch" {
		pick := ratios[0]
		for _, r := range ratios[1:] {
			if (policy == "not_larger" && r < pick) || (policy == "not_smaller" && r > pick) {
				pick = r
			}
		}
		for i, a := range axes {
			ratios[i] = pick
			sizes[i] = int64(math.Floor(pick*float64(in[a]) + 0.5))
		}
	}
	for i, a := range axes {
		s.scales[a] = float32(ratios[i])
		s.out[a] = int(sizes[i])
	}
	return nil
}

// inferUpsample reads scales from the attribute (opset 7) or from constant
// input 1 (opset 9) and normalises like Resize with asymmetric coordinates.
func inferUpsample(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 2); err != nil {
		return nil, err
	}
	x, err := nnFloatIn(n, 0, "data")
	if err != nil {
		return nil, err
	}
	r := n.Attrs.Reader()
	s := &resizeSpec{mode: r.String("mode", "nearest"), coord: "asymmetric", nearest: "simple", cubicA: -0.75}
	scales := r.Floats("scales", nil)
	if err := r.Err(); err != nil {
		return nil, err
	}
	if s.mode == "bilinear" {
		s.mode = "linear"
	}
	if s.mode != "nearest" && s.mode != "linear" {
		return nil, fmt.Errorf("upsample mode %q is not supported", s.mode)
	}
	if n.In(1) != nil {
		if scales, err = ConstFloats(n, 1, "scales"); err != nil {
			return nil, err
		}
	}
	if scales == nil {
		return nil, fmt.Errorf("scales are missing")
	}
	axes, _ := resizeAxes(nil, len(x.Shape))
	if err := s.fromScales(x.Shape, axes, scales); err != nil {
		return nil, err
	}
	s.store(n)
	return []ValueType{{Float32, s.out}}, nil
}

// resizeFLOPs counts two operations per tap per output: 1 tap per axis for
// nearest, 2 for linear and 4 for cubic along each resized axis.
func resizeFLOPs(n *Node) int64 {
	taps := int64(1)
	per := map[string]int64{"nearest": 1, "linear": 2, "cubic": 4}[n.Attrs["mode"].Str]
	for _, sc := range n.Attrs["scales"].Floats {
		if sc != 1 {
			taps *= per
		}
	}
	return 2 * taps * nnOutSize(n)
}
