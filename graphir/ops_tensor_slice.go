package graphir

import "fmt"

func init() {
	RegisterOp(OpSlice, OpInfo{Infer: inferSlice, FLOPs: tensorNoFLOPs})
	RegisterOp(OpPad, OpInfo{Infer: inferPad, FLOPs: tensorNoFLOPs})
}

// inferSlice resolves starts, ends, axes and steps (attributes before opset
// 10, constant inputs 1..4 after) into attributes of one entry per axis of
// the input: "axes" is 0..rank-1, "starts" the first index read, "steps" the
// stride, and "ends" the clamped end. An end before index 0 (negative steps)
// is stored as -(dim+1), which reads back the same, so Infer may run again.
// Kernels read starts and steps; the output shape gives the count per axis.
func inferSlice(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 5); err != nil {
		return nil, err
	}
	x := n.In(0)
	rank := len(x.Shape)
	args, err := sliceArgs(n)
	if err != nil {
		return nil, err
	}
	starts, ends, axes, steps := args[0], args[1], args[2], args[3]
	if len(ends) != len(starts) {
		return nil, fmt.Errorf("starts %v and ends %v differ in length", starts, ends)
	}
	if axes == nil {
		axes = make([]int64, len(starts))
		for i := range axes {
			axes[i] = int64(i)
		}
	}
	if steps == nil {
		steps = make([]int64, len(starts))
		for i := range steps {
			steps[i] = 1
		}
	}
	if len(axes) != len(starts) || len(steps) != len(starts) {
		return nil, fmt.Errorf("starts, ends, axes %v and steps %v differ in length", axes, steps)
	}
	ax, err := tensorAxes(axes, rank)
	if err != nil {
		return nil, err
	}
	outStarts := make([]int64, rank)
	outEnds := make([]int64, rank)
	outSteps := make([]int64, rank)
	outAxes := make([]int64, rank)
	out := x.Shape.Clone()
	for d := range rank {
		outAxes[d] = int64(d)
		outEnds[d] = int64(x.Shape[d])
		outSteps[d] = 1
	}
	for k, a := range ax {
		if steps[k] == 0 {
			return nil, fmt.Errorf("step of axis %d is zero", a)
		}
		s, e, count := sliceResolve(starts[k], ends[k], steps[k], int64(x.Shape[a]))
		outStarts[a], outEnds[a], outSteps[a] = s, e, steps[k]
		out[a] = int(count)
	}
	attrs := tensorSetAttrs(n)
	attrs.SetInts("starts", outStarts)
	attrs.SetInts("ends", outEnds)
	attrs.SetInts("axes", outAxes)
	attrs.SetInts("steps", outSteps)
	return []ValueType{{x.DType, out}}, nil
}

// sliceArgs reads starts, ends, axes and steps from the constant inputs when
// starts is an input, else from the attributes; absent optional arguments
// are nil.
func sliceArgs(n *Node) ([4][]int64, error) {
	var args [4][]int64
	names := [4]string{"starts", "ends", "axes", "steps"}
	fromInputs := n.In(1) != nil
	r := n.Attrs.Reader()
	for i, name := range names {
		switch {
		case fromInputs && n.In(i+1) != nil:
			v, err := ConstInts(n, i+1, name)
			if err != nil {
				return args, err
			}
			args[i] = v
		case !fromInputs:
			args[i] = r.Ints(name, nil)
		}
		if args[i] == nil && i < 2 {
			return args, fmt.Errorf("%s is required", name)
		}
	}
	return args, r.Err()
}

// sliceResolve applies the ONNX clamping rules to one axis of size dim and
// returns the first index, the stored end and the number of elements.
func sliceResolve(start, end, step, dim int64) (s, e, count int64) {
	if dim == 0 {
		return 0, 0, 0
	}
	if start < 0 {
		start += dim
	}
	if end < 0 {
		end += dim
	}
	if step > 0 {
		s, e = clampInt64(start, 0, dim), clampInt64(end, 0, dim)
		if e > s {
			count = (e-s-1)/step + 1
		}
		return s, e, count
	}
	s, e = clampInt64(start, 0, dim-1), clampInt64(end, -1, dim-1)
	if s > e {
		// -step overflows for the minimum int64; any step beyond dim
		// reads one element.
		mag := -step
		if mag <= 0 || mag > dim {
			mag = dim
		}
		count = (s-e-1)/mag + 1
	}
	if e == -1 {
		e = -(dim + 1)
	}
	return s, e, count
}

func clampInt64(v, lo, hi int64) int64 {
	return max(lo, min(v, hi))
}

// Pad modes the kernels implement.
var padModes = map[string]bool{"constant": true, "reflect": true, "edge": true, "wrap": true}

// inferPad normalises the pads (attribute before opset 11, constant input 1
// after, restricted to the constant axes input 3 from opset 18) into
// attribute "pads" of length 2*rank (begins then ends, negative crops), the
// fill into float attribute "value" (constant input 2 from opset 11) and the
// mode into "mode".
func inferPad(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 4); err != nil {
		return nil, err
	}
	x := n.In(0)
	rank := len(x.Shape)
	r := n.Attrs.Reader()
	mode := r.String("mode", "constant")
	pads := r.Ints("pads", nil)
	value := r.Float("value", 0)
	if err := r.Err(); err != nil {
		return nil, err
	}
	if !padModes[mode] {
		return nil, fmt.Errorf("mode %q is not supported", mode)
	}
	if n.In(1) != nil {
		var err error
		if pads, value, err = padInputs(n, rank); err != nil {
			return nil, err
		}
	}
	if len(pads) != 2*rank {
		return nil, fmt.Errorf("pads %v has %d entries, want %d for rank %d", pads, len(pads), 2*rank, rank)
	}
	for _, p := range pads {
		if p > tensorMaxElems || p < -tensorMaxElems {
			return nil, fmt.Errorf("pads %v are too large", pads)
		}
	}
	outDims := make([]int64, rank)
	for d := range rank {
		dim := int64(x.Shape[d])
		outDims[d] = dim + pads[d] + pads[d+rank]
		if outDims[d] < 0 {
			return nil, fmt.Errorf("pads %v crop axis %d of size %d below zero", pads, d, dim)
		}
		if mode != "constant" && dim == 0 && outDims[d] > 0 {
			return nil, fmt.Errorf("cannot %s-pad axis %d of size zero", mode, d)
		}
	}
	out, err := tensorShapeOf(outDims)
	if err != nil {
		return nil, err
	}
	attrs := tensorSetAttrs(n)
	attrs.SetInts("pads", pads)
	attrs.SetFloat("value", value)
	attrs.SetString("mode", mode)
	return []ValueType{{x.DType, out}}, nil
}

// padInputs reads the constant pads, constant_value and axes inputs and
// returns pads for every axis.
func padInputs(n *Node, rank int) ([]int64, float32, error) {
	pads, err := ConstInts(n, 1, "pads")
	if err != nil {
		return nil, 0, err
	}
	var value float32
	if n.In(2) != nil {
		v, err := ConstFloats(n, 2, "constant_value")
		if err != nil {
			return nil, 0, err
		}
		if len(v) != 1 {
			return nil, 0, fmt.Errorf("constant_value has %d elements, want a scalar", len(v))
		}
		value = v[0]
	}
	if n.In(3) == nil {
		return append([]int64(nil), pads...), value, nil
	}
	axesIn, err := ConstInts(n, 3, "axes")
	if err != nil {
		return nil, 0, err
	}
	axes, err := tensorAxes(axesIn, rank)
	if err != nil {
		return nil, 0, err
	}
	if len(pads) != 2*len(axes) {
		return nil, 0, fmt.Errorf("pads %v has %d entries, want %d for axes %v", pads, len(pads), 2*len(axes), axesIn)
	}
	full := make([]int64, 2*rank)
	for k, a := range axes {
		full[a] = pads[k]
		full[a+rank] = pads[k+len(axes)]
	}
	return full, value, nil
}
