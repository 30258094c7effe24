package graphir

import (
	"fmt"
	"math"
)

func init() {
	RegisterOp(OpResize, OpInfo{Infer: inferResize, FLOPs: resizeFLOPs})
	RegisterOp(OpUpsample, OpInfo{Infer: inferUpsample, FLOPs: resizeFLOPs})
}

// Resize and Upsample normalise to one set of attributes, which is all their
// kernel reads:
//
//	mode                            "nearest", "linear" or "cubic"
//	coordinate_transformation_mode  an ONNX mode name (opset 10 and Upsample: "asymmetric")
//	nearest_mode                    an ONNX name, or "simple" for opset 10 and Upsample:
//	                                truncate when an axis upsamples, ceil when it downsamples
//	cubic_coeff_a, exclude_outside, extrapolation_value, antialias
//	scales                          one float per input axis: the scale used to map output
//	                                coordinates to input ones (output size / input size
//	                                when sizes were given)
//	roi                             2*rank floats [starts..., ends...], tf_crop_and_resize only
//
// The output size comes from the output shape. The attributes Resize reads
// its inputs with (axes, keep_aspect_ratio_policy) are kept, so inference
// can run again on a normalised node.

var (
	resizeModes      = map[string]bool{"nearest": true, "linear": true, "cubic": true}
	resizeCoordModes = map[string]bool{
		"half_pixel": true, "half_pixel_symmetric": true, "pytorch_half_pixel": true,
		"align_corners": true, "asymmetric": true, "tf_half_pixel_for_nearest": true,
		"tf_crop_and_resize": true,
	}
	resizeNearestModes = map[string]bool{
		"round_prefer_floor": true, "round_prefer_ceil": true, "floor": true, "ceil": true,
	}
)

// resizeSpec is what Resize and Upsample resolve before storing attributes.
type resizeSpec struct {
	mode, coord, nearest  string
	cubicA, extrapolation float32
	exclude, antialias    int64
	scales                []float32 // per axis
	roi                   []float32 // nil unless tf_crop_and_resize
	out                   Shape
}

func (s *resizeSpec) store(n *Node) {
	a := nnAttrs(n)
	a.SetString("mode", s.mode)
	a.SetString("coordinate_transformation_mode", s.coord)
	a.SetString("nearest_mode", s.nearest)
	a.SetFloat("cubic_coeff_a", s.cubicA)
	a.SetInt("exclude_outside", s.exclude)
	a.SetFloat("extrapolation_value", s.extrapolation)
	a.SetInt("antialias", s.antialias)
	a["scales"] = Attr{Kind: AttrFloats, Floats: s.scales}
	if s.roi != nil {
		a["roi"] = Attr{Kind: AttrFloats, Floats: s.roi}
	} else {
		delete(a, "roi")
	}
}

// resizeOptional returns input i unless it is absent or empty.
func resizeOptional(n *Node, i int) *Value {
	v := n.In(i)
	if v == nil || v.Shape.Size() == 0 {
		return nil
	}
	return v
}

func inferResize(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 4); err != nil {
		return nil, err
	}
	x, err := nnFloatIn(n, 0, "data")
	if err != nil {
		return nil, err
	}
	rank := len(x.Shape)
	opset := n.Opset
	if opset == 0 {
		opset = 19
	}
	r := n.Attrs.Reader()
	s := &resizeSpec{mode: r.String("mode", "nearest"), coord: "asymmetric", nearest: "simple", cubicA: -0.75}
	if opset >= 11 {
		s.coord = r.String("coordinate_transformation_mode", "half_pixel")
		s.nearest = r.String("nearest_mode", "round_prefer_floor")
		s.cubicA = r.Float("cubic_coeff_a", -0.75)
		s.exclude = r.Int("exclude_outside", 0)
		s.extrapolation = r.Float("extrapolation_value", 0)
	}
	policy := "stretch"
	var axes []int64
	if opset >= 18 {
		s.antialias = r.Int("antialias", 0)
		policy = r.String("keep_aspect_ratio_policy", "stretch")
		axes = r.Ints("axes", nil)
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	if policy != "stretch" && policy != "not_larger" && policy != "not_smaller" {
		return nil, fmt.Errorf("resize keep_aspect_ratio_policy %q is not supported", policy)
	}
	axisList, err := resizeAxes(axes, rank)
	if err != nil {
		return nil, err
	}

	scalesIn, sizesIn := 2, 3
	if opset < 11 {
		scalesIn, sizesIn = 1, -1
	}
	var scales []float32
	var sizes []int64
	if resizeOptional(n, scalesIn) != nil {
		if scales, err = ConstFloats(n, scalesIn, "scales"); err != nil {
			return nil, err
		}
	}
	if sizesIn > 0 && resizeOptional(n, sizesIn) != nil {
		if sizes, err = ConstInts(n, sizesIn, "sizes"); err != nil {
			return nil, err
		}
	}
	if (scales == nil) == (sizes == nil) {
		return nil, fmt.Errorf("exactly one of scales and sizes must be given")
	}
	if s.coord == "tf_crop_and_resize" {
		s.roi = make([]float32, 2*rank)
		for i := rank; i < 2*rank; i++ {
			s.roi[i] = 1
		}
		if resizeOptional(n, 1) != nil {
			roi, err := ConstFloats(n, 1, "roi")
			if err != nil {
				return nil, err
			}
			if len(roi) != 2*len(axisList) {
				return nil, fmt.Errorf("roi has %d values, want %d", len(roi), 2*len(axisList))
			}
			for i, a := range axisList {
				s.roi[a] = roi[i]
				s.roi[rank+a] = roi[len(axisList)+i]
			}
		}
	}
	if sizes != nil {
		err = s.fromSizes(x.Shape, axisList, sizes, policy)
	} else {
		err = s.fromScales(x.Shape, axisList, scales)
	}
	if err != nil {
		return nil, err
	}
	s.store(n)
	return []ValueType{{Float32, s.out}}, nil
}

// check validates the modes; antialias only applies to linear and cubic.
func (s *resizeSpec) check() error {
	if !resizeModes[s.mode] {
		return fmt.Errorf("resize mode %q is not supported", s.mode)
	}
	if !resizeCoordModes[s.coord] {
		return fmt.Errorf("resize coordinate_transformation_mode %q is not supported", s.coord)
	}
	if !resizeNearestModes[s.nearest] && s.nearest != "simple" {
		return fmt.Errorf("resize nearest_mode %q is not supported", s.nearest)
	}
	if s.exclude != 0 && s.exclude != 1 {
		return fmt.Errorf("resize exclude_outside %d is not 0 or 1", s.exclude)
	}
	if s.antialias != 0 && s.antialias != 1 {
		return fmt.Errorf("resize antialias %d is not 0 or 1", s.antialias)
	}
	if s.mode == "nearest" {
		s.antialias = 0
	}
	return nil
}

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
