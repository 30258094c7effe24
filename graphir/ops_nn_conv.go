package graphir

import "fmt"

func init() {
	RegisterOp(OpConv, OpInfo{Infer: inferConv, FLOPs: convFLOPs})
	RegisterOp(OpConvTranspose, OpInfo{Infer: inferConvTranspose, FLOPs: convTransposeFLOPs})
}

// nnConvWeights checks the weights W (input 1) against X and returns the
// kernel shape from W, checking the kernel_shape attribute against it.
func nnConvWeights(n *Node, r *Reader, x *Value, spatial int) (*Value, []int64, error) {
	w, err := nnFloatIn(n, 1, "weight")
	if err != nil {
		return nil, nil, err
	}
	if len(w.Shape) != len(x.Shape) {
		return nil, nil, fmt.Errorf("weight shape %v does not match input rank %d", w.Shape, len(x.Shape))
	}
	kernel := make([]int64, spatial)
	for i := range kernel {
		kernel[i] = int64(w.Shape[2+i])
		if kernel[i] < 1 {
			return nil, nil, fmt.Errorf("weight shape %v has an empty kernel", w.Shape)
		}
	}
	if r.Has("kernel_shape") {
		ks := r.Ints("kernel_shape", nil)
		if err := r.Err(); err != nil {
			return nil, nil, err
		}
		if len(ks) != spatial {
			return nil, nil, fmt.Errorf("kernel_shape %v has %d values, want %d", ks, len(ks), spatial)
		}
		for i := range ks {
			if ks[i] != kernel[i] {
				return nil, nil, fmt.Errorf("kernel_shape %v does not match weight shape %v", ks, w.Shape)
			}
		}
	}
	return w, kernel, nil
}

// nnBias checks the optional bias (input 2) has shape [channels].
func nnBias(n *Node, channels int) error {
	if n.In(2) == nil {
		return nil
	}
	b, err := nnFloatIn(n, 2, "bias")
	if err != nil {
		return err
	}
	if len(b.Shape) != 1 || b.Shape[0] != channels {
		return fmt.Errorf("bias shape %v, want [%d]", b.Shape, channels)
	}
	return nil
}

// inferConv normalises kernel_shape, strides, dilations, pads (explicit,
// auto_pad removed) and group.
func inferConv(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 2, 3); err != nil {
		return nil, err
	}
	x, spatial, err := nnImageIn(n, 0, "data", 3)
	if err != nil {
		return nil, err
	}
	r := n.Attrs.Reader()
	w, kernel, err := nnConvWeights(n, r, x, spatial)
	if err != nil {
		return nil, err
	}
	group := r.Int("group", 1)
	if err := r.Err(); err != nil {
		return nil, err
	}
	cin, cout := x.Shape[1], w.Shape[0]
	if group < 1 || int64(cin)%group != 0 {
		return nil, fmt.Errorf("input channels %d are not divisible by group %d", cin, group)
	}
	if int64(cout)%group != 0 {
		return nil, fmt.Errorf("output channels %d are not divisible by group %d", cout, group)
	}
	if int64(w.Shape[1]) != int64(cin)/group {
		return nil, fmt.Errorf("weight shape %v wants %d input channels per group, input has %d channels and group %d", w.Shape, w.Shape[1], cin, group)
	}
	if err := nnBias(n, cout); err != nil {
		return nil, err
	}
	win, out, err := nnReadWindow(r, x.Shape[2:], kernel, false)
	if err != nil {
		return nil, err
	}
	nnAttrs(n)
	win.store(n.Attrs)
	n.Attrs.SetInt("group", group)
	shape := Shape{x.Shape[0], cout}
	shape = append(shape, out...)
	return []ValueType{{Float32, shape}}, nil
}

// convFLOPs is 2*N*Cout*spatial_out*(Cin/group)*kernel, plus one add per
// output for the bias.
func convFLOPs(n *Node) int64 {
	w := n.In(1)
	perOut := int64(2)
	for _, d := range w.Shape[1:] {
		perOut *= int64(d)
	}
	f := nnOutSize(n) * perOut
	if n.In(2) != nil {
		f += nnOutSize(n)
	}
	return f
}

// inferConvTranspose normalises kernel_shape, strides, dilations, group,
// output_padding and pads. The output shape is then always
//
//	stride*(in-1) + output_padding + (kernel-1)*dilation + 1 - pad_begin - pad_end
//
// per spatial axis; auto_pad and output_shape are resolved into pads (and,
// when output_shape asks for more than the full result, output_padding) and
// removed.
func inferConvTranspose(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 2, 3); err != nil {
		return nil, err
	}
	x, spatial, err := nnImageIn(n, 0, "data", 3)
	if err != nil {
		return nil, err
	}
	r := n.Attrs.Reader()
	w, kernel, err := nnConvWeights(n, r, x, spatial)
	if err != nil {
		return nil, err
	}
	group := r.Int("group", 1)
	strides := nnInts(r, "strides", spatial, 1, 1)
	dilations := nnInts(r, "dilations", spatial, 1, 1)
	outPad := nnInts(r, "output_padding", spatial, 0, 0)
	autoPad := r.String("auto_pad", "NOTSET")
	var pads []int64
	if autoPad == "NOTSET" {
		pads = nnInts(r, "pads", 2*spatial, 0, 0)
	}
	var outShape []int64
	if r.Has("output_shape") {
		outShape = r.Ints("output_shape", nil)
		if len(outShape) == spatial+2 {
			outShape = outShape[2:]
		}
		if r.Err() == nil && len(outShape) != spatial {
			r.Fail("output_shape %v has %d values, want %d", outShape, len(outShape), spatial)
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	cin := x.Shape[1]
	if group < 1 || int64(cin)%group != 0 {
		return nil, fmt.Errorf("input channels %d are not divisible by group %d", cin, group)
	}
	if w.Shape[0] != cin {
		return nil, fmt.Errorf("weight shape %v wants %d input channels, input has %d", w.Shape, w.Shape[0], cin)
	}
	cout := w.Shape[1] * int(group)
	if err := nnBias(n, cout); err != nil {
		return nil, err
	}

	// full[i] is the output size with no padding at all.
	full := make([]int64, spatial)
	for i := range full {
		full[i] = strides[i]*(int64(x.Shape[2+i])-1) + outPad[i] + (kernel[i]-1)*dilations[i] + 1
	}
	switch autoPad {
	case "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER":
	default:
		return nil, fmt.Errorf("auto_pad %q is not supported", autoPad)
	}
	if autoPad == "VALID" {
		pads = make([]int64, 2*spatial)
	}
	if outShape == nil && (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
		outShape = make([]int64, spatial)
		for i := range outShape {
			outShape[i] = int64(x.Shape[2+i]) * strides[i]
		}
	}
	if outShape != nil {
		// Pads follow from the wanted size; an odd total puts the extra pad
		// at the end for SAME_UPPER and at the beginning otherwise.
		pads = make([]int64, 2*spatial)
		for i := range outShape {
			if outShape[i] < 1 {
				return nil, fmt.Errorf("output_shape %v has a non-positive size", outShape)
			}
			total := full[i] - outShape[i]
			if total < 0 {
				outPad[i] -= total
				full[i] -= total
				total = 0
			}
			small, big := total/2, total-total/2
			if autoPad == "SAME_UPPER" {
				pads[i], pads[spatial+i] = small, big
			} else {
				pads[i], pads[spatial+i] = big, small
			}
		}
	}
	shape := Shape{x.Shape[0], cout}
	for i := range full {
		o := full[i] - pads[i] - pads[spatial+i]
		if o < 1 {
			return nil, fmt.Errorf("output size %d along spatial axis %d", o, i)
		}
		shape = append(shape, int(o))
	}
	nnAttrs(n)
	win := nnWindow{kernel: kernel, strides: strides, dilations: dilations, pads: pads}
	win.store(n.Attrs)
	n.Attrs.SetInt("group", group)
	n.Attrs.SetInts("output_padding", outPad)
	delete(n.Attrs, "output_shape")
	return []ValueType{{Float32, shape}}, nil
}

// convTransposeFLOPs is 2*N*Cin*spatial_in*(Cout/group)*kernel plus the bias.
func convTransposeFLOPs(n *Node) int64 {
	w := n.In(1)
	perIn := int64(2)
	for _, d := range w.Shape[1:] {
		perIn *= int64(d)
	}
	f := nnInSize(n, 0) * perIn
	if n.In(2) != nil {
		f += nnOutSize(n)
	}
	return f
}
