package costmodel

import "github.com/edgectl/edgectl/graphir"

// classifyOther classifies every op but Conv, as runtime/kernels'
// Prepare functions accept them.
func classifyOther(n *graphir.Node) Kind {
	if free(n) {
		return KindFree
	}
	switch n.Op {
	case graphir.OpGemm:
		alpha, beta := n.Attrs["alpha"].Float, n.Attrs["beta"].Float
		if !isFloat(n.In(0)) || !isFloat(n.In(1)) || (n.In(2) != nil && !isFloat(n.In(2))) || alpha == 0 || (beta == 0 && n.In(2) != nil) {
			return KindRef
		}
		return KindGemm
	case graphir.OpMatMul:
		if isFloat(n.In(0)) && isFloat(n.In(1)) {
			return KindGemm
		}
		return KindRef
	case graphir.OpMaxPool, graphir.OpAveragePool:
		switch {
		case !poolTaken(n):
			return KindRef
		case n.Op == graphir.OpAveragePool:
			return KindAvgPool
		case fast2x2(n):
			return KindPool
		}
		return KindPoolOther
	case graphir.OpGlobalAveragePool, graphir.OpGlobalMaxPool:
		switch {
		case !isFloat(n.In(0)) || len(n.In(0).Shape) < 3:
			return KindRef
		case n.Op == graphir.OpGlobalMaxPool:
			return KindGlobalMax
		}
		return KindGlobalPool
	case graphir.OpRelu, graphir.OpLeakyRelu, graphir.OpClip, graphir.OpHardSwish:
		if isFloat(n.In(0)) && len(n.Outputs) == 1 && n.Outputs[0] != nil {
			return KindElementwise
		}
		return KindRef
	case graphir.OpAdd, graphir.OpSub, graphir.OpMul, graphir.OpDiv:
		if binaryTaken(n) {
			return KindElementwise
		}
		return KindRef
	case graphir.OpBatchNormalization:
		if bnTaken(n) {
			return KindElementwise
		}
		return KindRef
	case graphir.OpConcat:
		return KindConcat
	case graphir.OpResize, graphir.OpUpsample:
		return KindResize
	}
	if k, ok := moves[n.Op]; ok {
		return k
	}
	if refMath[n.Op] {
		return KindRefMath
	}
	return KindRef
}

// free reports whether n does no work worth a fit: a constant or shape
// arithmetic on int64 values.
func free(n *graphir.Node) bool {
	switch n.Op {
	case graphir.OpConstant, graphir.OpShape, graphir.OpConstantOfShape, graphir.OpRange:
		return true
	}
	for _, o := range n.Outputs {
		if o != nil && o.DType == graphir.Float32 {
			return false
		}
	}
	return true
}

func isFloat(v *graphir.Value) bool { return v != nil && v.DType == graphir.Float32 }

// poolTaken mirrors preparePool: a 4-D float32 input, 2-D windows, only the
// first output used.
func poolTaken(n *graphir.Node) bool {
	x := n.In(0)
	if !isFloat(x) || len(x.Shape) != 4 || len(n.Outputs) == 0 || n.Outputs[0] == nil {
		return false
	}
	for _, o := range n.Outputs[1:] {
		if o != nil {
			return false
		}
	}
	return len(n.Attrs["kernel_shape"].Ints) == 2 && len(n.Attrs["strides"].Ints) == 2 &&
		len(n.Attrs["dilations"].Ints) == 2 && len(n.Attrs["pads"].Ints) == 4
}

// fast2x2 mirrors the condition of the pool kernel's 2x2 stride-2 path
// (poolPlan.plane): it takes every row but a padded one.
func fast2x2(n *graphir.Node) bool {
	k, st, d, p := n.Attrs["kernel_shape"].Ints, n.Attrs["strides"].Ints, n.Attrs["dilations"].Ints, n.Attrs["pads"].Ints
	return k[0] == 2 && k[1] == 2 && st[0] == 2 && st[1] == 2 && d[0] == 1 && d[1] == 1 && p[1] == 0
}

// binaryTaken mirrors prepareBinary: two float32 inputs of the output's
// shape, or one of them constant over a trailing block of axes.
func binaryTaken(n *graphir.Node) bool {
	if len(n.Inputs) != 2 || !isFloat(n.In(0)) || !isFloat(n.In(1)) || len(n.Outputs) != 1 || n.Outputs[0] == nil {
		return false
	}
	y, a, b := n.Outputs[0].Shape, n.In(0).Shape, n.In(1).Shape
	switch {
	case a.Equal(y) && b.Equal(y):
		return true
	case a.Equal(y):
		return blockBroadcast(b, y)
	case b.Equal(y):
		return blockBroadcast(a, y)
	}
	return false
}

// blockBroadcast reports whether s, right-aligned to y, equals y on a
// leading run of axes and is 1 on all the axes after it.
func blockBroadcast(s, y graphir.Shape) bool {
	if len(s) > len(y) {
		return false
	}
	full := make(graphir.Shape, len(y))
	for i := range full {
		full[i] = 1
	}
	copy(full[len(y)-len(s):], s)
	split := len(y)
	for split > 0 && full[split-1] == 1 {
		split--
	}
	for i := 0; i < split; i++ {
		if full[i] != y[i] {
			return false
		}
	}
	return true
}

// bnTaken mirrors runtime/kernels' bnTaken: inference BatchNormalization
// with constant float32 parameters of one value per channel.
func bnTaken(n *graphir.Node) bool {
	if len(n.Inputs) != 5 || !isFloat(n.In(0)) || len(n.Outputs) != 1 || n.Outputs[0] == nil {
		return false
	}
	if a, ok := n.Attrs["training_mode"]; ok && a.Int != 0 {
		return false
	}
	x := n.In(0)
	if len(x.Shape) < 2 || x.Shape[1] < 1 {
		return false
	}
	for i := 1; i < 5; i++ {
		v := n.In(i)
		if !isFloat(v) || !v.IsConst() || v.Shape.Size() != x.Shape[1] {
			return false
		}
	}
	return true
}
