package graphir

import "fmt"

func init() {
	RegisterOp(OpMaxPool, OpInfo{Infer: inferPool, FLOPs: poolFLOPs})
	RegisterOp(OpAveragePool, OpInfo{Infer: inferPool, FLOPs: poolFLOPs})
	RegisterOp(OpGlobalAveragePool, OpInfo{Infer: inferGlobalPool, FLOPs: globalPoolFLOPs})
	RegisterOp(OpGlobalMaxPool, OpInfo{Infer: inferGlobalPool, FLOPs: globalPoolFLOPs})
}

// inferPool handles MaxPool and AveragePool. It normalises kernel_shape,
// strides, dilations, pads (explicit; auto_pad is resolved and removed) and
// ceil_mode, and count_include_pad for AveragePool or storage_order for
// MaxPool. Kernels take the output size from the output shape and need not
// read ceil_mode. MaxPool's optional Indices output is int64; storage_order
// only affects it.
func inferPool(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 1, 1); err != nil {
		return nil, err
	}
	x, spatial, err := nnImageIn(n, 0, "data", 3)
	if err != nil {
		return nil, err
	}
	r := n.Attrs.Reader()
	if !r.Has("kernel_shape") {
		return nil, fmt.Errorf("attribute \"kernel_shape\" is required")
	}
	kernel := nnInts(r, "kernel_shape", spatial, 1, 1)
	ceil := r.Int("ceil_mode", 0)
	countPad := r.Int("count_include_pad", 0)
	order := r.Int("storage_order", 0)
	if err := r.Err(); err != nil {
		return nil, err
	}
	if ceil != 0 && ceil != 1 {
		return nil, fmt.Errorf("ceil_mode %d is not 0 or 1", ceil)
	}
	if countPad != 0 && countPad != 1 {
		return nil, fmt.Errorf("count_include_pad %d is not 0 or 1", countPad)
	}
	if order != 0 && order != 1 {
		return nil, fmt.Errorf("storage_order %d is not 0 or 1", order)
	}
	win, out, err := nnReadWindow(r, x.Shape[2:], kernel, ceil == 1)
	if err != nil {
		return nil, err
	}
	for i := 0; i < spatial; i++ {
		ext := (kernel[i]-1)*win.dilations[i] + 1
		if win.pads[i] >= ext || win.pads[spatial+i] >= ext {
			return nil, fmt.Errorf("pads %v must be smaller than the kernel extent %d", win.pads, ext)
		}
	}
	nnAttrs(n)
	if r.String("auto_pad", "NOTSET") != "NOTSET" {
		ceil = 0 // ceil_mode does not apply to auto_pad
	}
	win.store(n.Attrs)
	n.Attrs.SetInt("ceil_mode", ceil)
	shape := Shape{x.Shape[0], x.Shape[1]}
	shape = append(shape, out...)
	if n.Op == OpAveragePool {
		n.Attrs.SetInt("count_include_pad", countPad)
		return []ValueType{{Float32, shape}}, nil
	}
	n.Attrs.SetInt("storage_order", order)
	return []ValueType{{Float32, shape}, {Int64, shape.Clone()}}, nil
}

// poolFLOPs is one operation per window element per output.
func poolFLOPs(n *Node) int64 {
	k := int64(1)
	for _, d := range n.Attrs["kernel_shape"].Ints {
		k *= d
	}
	return nnOutSize(n) * k
}

// inferGlobalPool reduces every spatial axis of an NC... tensor to 1.
func inferGlobalPool(n *Node) ([]ValueType, error) {
	x, err := nnDataIn(n, 1, 1, 3)
	if err != nil {
		return nil, err
	}
	shape := x.Shape.Clone()
	for i := 2; i < len(shape); i++ {
		shape[i] = 1
	}
	return []ValueType{{Float32, shape}}, nil
}

func globalPoolFLOPs(n *Node) int64 { return nnInSize(n, 0) }
