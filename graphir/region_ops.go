package graphir

import "fmt"

// regionFn traces a wanted region of a node's outputs to its inputs.
type regionFn func(n *Node, want Rect) (NodeRegion, error)

// spatialPointwise are ops whose output element depends on input elements
// at the same H, W position only (with numpy broadcasting for several
// inputs).
var spatialPointwise = map[Op]bool{
	OpRelu: true, OpLeakyRelu: true, OpSigmoid: true, OpHardSigmoid: true, OpHardSwish: true,
	OpTanh: true, OpElu: true, OpSelu: true, OpMish: true, OpSoftplus: true, OpExp: true,
	OpLog: true, OpSqrt: true, OpReciprocal: true, OpErf: true, OpFloor: true, OpCeil: true,
	OpNeg: true, OpAbs: true, OpIdentity: true, OpCast: true, OpPRelu: true,
	OpAdd: true, OpSub: true, OpMul: true, OpDiv: true, OpPow: true,
	OpSum: true, OpMax: true, OpMin: true, OpMean: true,
}

// SpatialLocal returns nil when node n is spatially local, so that a region
// of its output can be computed from regions of its inputs (TraceRegion),
// and otherwise an error saying why the node ends a fused block.
func SpatialLocal(n *Node) error {
	_, err := regionOf(n)
	return err
}

// TraceRegion maps a wanted region of node n's outputs (clipped to them) to
// the region of each input it needs, telling the op's own padding at true
// image borders from interior halos. It fails for a node that is not
// spatially local.
func TraceRegion(n *Node, want Rect) (NodeRegion, error) {
	fn, err := regionOf(n)
	if err != nil {
		return NodeRegion{}, fmt.Errorf("node %s: %w", n, err)
	}
	want = want.Intersect(FullRect(n.Outputs[0].Shape))
	if want.Empty() {
		r := NodeRegion{Out: want, Inputs: make([]InputRegion, len(n.Inputs))}
		for i, in := range n.Inputs {
			r.Inputs[i] = InputRegion{Whole: in == nil || in.IsConst(), Rect: Rect{}}
		}
		return r, nil
	}
	return fn(n, want)
}

// regionOf checks that n is spatially local and returns its tracer.
func regionOf(n *Node) (regionFn, error) {
	if len(n.Outputs) == 0 || n.Outputs[0] == nil {
		return nil, fmt.Errorf("%s has no output", n.Op)
	}
	out := n.Outputs[0].Shape
	if len(out) < 3 {
		return nil, fmt.Errorf("%s output %q has rank %d; image values have rank at least 3", n.Op, n.Outputs[0].Name, len(out))
	}
	for _, o := range n.Outputs[1:] {
		if o == nil {
			continue
		}
		if n.Op != OpSplit {
			return nil, fmt.Errorf("%s output %q is used; only the first output is spatially local", n.Op, o.Name)
		}
		if len(o.Shape) != len(out) || !FullRect(o.Shape).Contains(FullRect(out)) || !FullRect(out).Contains(FullRect(o.Shape)) {
			return nil, fmt.Errorf("split outputs differ in height or width")
		}
	}
	rank := len(out)
	switch {
	case spatialPointwise[n.Op]:
		for i, in := range n.Inputs {
			if err := regionBroadcastable(in, out); err != nil {
				return nil, fmt.Errorf("%s input %d: %w", n.Op, i, err)
			}
		}
		return regionPointwise(nil), nil
	case n.Op == OpBatchNormalization || n.Op == OpClip || n.Op == OpLRN || n.Op == OpDropout:
		// Inputs after the first are per-channel parameters or scalars.
		return regionPointwise(func(i int) bool { return i > 0 }), nil
	case n.Op == OpSoftmax || n.Op == OpLogSoftmax:
		if n.Attrs["coerce_2d"].Int != 0 || int(n.Attrs["axis"].Int) >= rank-2 {
			return nil, fmt.Errorf("%s normalises over the spatial axes", n.Op)
		}
		return regionPointwise(nil), nil
	case n.Op == OpReduceMean || n.Op == OpReduceMax || n.Op == OpReduceMin || n.Op == OpReduceSum || n.Op == OpReduceProd:
		in := n.In(0)
		for _, a := range n.Attrs["axes"].Ints {
			if int(a) >= len(in.Shape)-2 {
				return nil, fmt.Errorf("%s reduces spatial axis %d", n.Op, a)
			}
		}
		return regionPointwise(func(i int) bool { return i > 0 }), nil
	case n.Op == OpTranspose:
		perm := n.Attrs["perm"].Ints
		if len(perm) != rank || int(perm[rank-2]) != rank-2 || int(perm[rank-1]) != rank-1 {
			return nil, fmt.Errorf("transpose %v moves a spatial axis", perm)
		}
		return regionPointwise(nil), nil
	case n.Op == OpConcat || n.Op == OpSplit:
		if int(n.Attrs["axis"].Int) >= rank-2 {
			return nil, fmt.Errorf("%s along spatial axis %d", n.Op, n.Attrs["axis"].Int)
		}
		return regionPointwise(func(i int) bool { return n.Op == OpSplit && i > 0 }), nil
	case n.Op == OpConv || n.Op == OpMaxPool || n.Op == OpAveragePool:
		return regionWindowOf(n)
	case n.Op == OpSlice:
		steps := n.Attrs["steps"].Ints
		if len(steps) != rank || steps[rank-2] < 1 || steps[rank-1] < 1 {
			return nil, fmt.Errorf("slice steps %v go backwards along a spatial axis", steps)
		}
		return regionSlice, nil
	case n.Op == OpPad:
		if len(n.Attrs["pads"].Ints) != 2*rank {
			return nil, fmt.Errorf("pad attributes are not normalised")
		}
		return regionPad, nil
	case n.Op == OpResize || n.Op == OpUpsample:
		if len(n.Attrs["scales"].Floats) != rank {
			return nil, fmt.Errorf("resize attributes are not normalised")
		}
		return regionResize, nil
	case n.Op == OpSpaceToDepth || n.Op == OpDepthToSpace:
		return regionBlocks, nil
	}
	return nil, fmt.Errorf("%s is not spatially local", n.Op)
}

// regionBroadcastable checks that an input of a pointwise op either is
// constant, or is an image value whose H and W broadcast to the output's.
func regionBroadcastable(in *Value, out Shape) error {
	if in == nil {
		return nil
	}
	h, w := regionAligned(in.Shape, out)
	oh, ow := out[len(out)-2], out[len(out)-1]
	if (h != oh && h != 1) || (w != ow && w != 1) {
		return fmt.Errorf("shape %v does not broadcast to %v", in.Shape, out)
	}
	if (h != 1 || w != 1) && len(in.Shape) < 2 {
		return fmt.Errorf("%q of shape %v broadcasts along W only", in.Name, in.Shape)
	}
	return nil
}

// regionAligned returns the dimensions of s aligned (numpy, from the right)
// with the H and W axes of out; missing axes count as 1.
func regionAligned(s, out Shape) (h, w int) {
	h, w = 1, 1
	if len(s) >= 1 {
		w = s[len(s)-1]
	}
	if len(s) >= 2 {
		h = s[len(s)-2]
	}
	return h, w
}

// regionPointwise traces ops whose output at (y, x) reads their inputs at
// (y, x) only; inputs for which whole(i) holds are read entirely, as are
// inputs broadcast over both H and W.
func regionPointwise(whole func(i int) bool) regionFn {
	return func(n *Node, want Rect) (NodeRegion, error) {
		out := n.Outputs[0].Shape
		oh, ow := out[len(out)-2], out[len(out)-1]
		r := NodeRegion{Out: want, Inputs: make([]InputRegion, len(n.Inputs))}
		for i, in := range n.Inputs {
			if in == nil || (whole != nil && whole(i)) {
				r.Inputs[i].Whole = true
				continue
			}
			h, w := regionAligned(in.Shape, out)
			if h == 1 && w == 1 && (oh != 1 || ow != 1 || len(in.Shape) < 2) {
				r.Inputs[i].Whole = true
				continue
			}
			rect := want
			if h != oh {
				rect.Rows = Span{0, 1}
			}
			if w != ow {
				rect.Cols = Span{0, 1}
			}
			r.Inputs[i].Rect = rect
		}
		return r, nil
	}
}
