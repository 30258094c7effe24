package graphir

import "fmt"

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
