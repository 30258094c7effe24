package graphir

import "fmt"

// Region tracers of ops that read a window, a shifted or strided range or
// whole blocks of their input: Conv and the pools, Slice, Pad, Resize,
// SpaceToDepth and DepthToSpace.

// WindowSpan maps the output span out of a sliding window along one axis
// (input size, kernel, stride, dilation, begin and end pads) to the input
// span its windows read, clipped to the input, and the window positions
// beyond the input's true borders before (padLo) and after (padHi) it. At an
// interior edge the pad is zero and the span holds the halo. padHi may exceed
// padEnd when ceil_mode adds a last window past the padded input.
func WindowSpan(out Span, size, kernel, stride, dilation, padBegin int) (in Span, padLo, padHi int) {
	if out.Empty() {
		return Span{0, 0}, 0, 0
	}
	ext := (kernel-1)*dilation + 1
	start := out.Lo*stride - padBegin
	end := (out.Hi-1)*stride - padBegin + ext
	lo, hi := max(0, min(start, size)), max(0, min(end, size))
	return Span{lo, hi}, lo - start, end - hi
}

// regionWindowOf checks a 2-D Conv or pool and returns its tracer.
func regionWindowOf(n *Node) (regionFn, error) {
	x := n.In(0)
	if len(x.Shape) != 4 {
		return nil, fmt.Errorf("%d-d %s is not supported; only 2-d", len(x.Shape)-2, n.Op)
	}
	k, s, d, p := n.Attrs["kernel_shape"].Ints, n.Attrs["strides"].Ints, n.Attrs["dilations"].Ints, n.Attrs["pads"].Ints
	if len(k) != 2 || len(s) != 2 || len(d) != 2 || len(p) != 4 {
		return nil, fmt.Errorf("%s attributes are not normalised", n.Op)
	}
	for a := 0; a < 2; a++ {
		ext := (k[a]-1)*d[a] + 1
		if p[a] >= ext || p[2+a] >= ext {
			return nil, fmt.Errorf("%s pads %v reach a whole kernel extent beyond the input", n.Op, p)
		}
	}
	return regionWindow, nil
}

// regionWindow traces a node whose attributes regionWindowOf checked (a
// function of its own, not a closure over them: tracing allocates less).
func regionWindow(n *Node, want Rect) (NodeRegion, error) {
	k, s, d, p := n.Attrs["kernel_shape"].Ints, n.Attrs["strides"].Ints, n.Attrs["dilations"].Ints, n.Attrs["pads"].Ints
	x := n.In(0)
	rows, top, bottom := WindowSpan(want.Rows, x.Shape[2], int(k[0]), int(s[0]), int(d[0]), int(p[0]))
	cols, left, right := WindowSpan(want.Cols, x.Shape[3], int(k[1]), int(s[1]), int(d[1]), int(p[1]))
	r := NodeRegion{Out: want, Inputs: make([]InputRegion, len(n.Inputs))}
	r.Inputs[0] = InputRegion{Rect: Rect{rows, cols}, Pad: Pads{top, bottom, left, right}}
	for i := 1; i < len(n.Inputs); i++ {
		r.Inputs[i].Whole = true
	}
	return r, nil
}

// regionSlice traces a Slice with positive steps on the spatial axes:
// output index o reads start + o*step.
func regionSlice(n *Node, want Rect) (NodeRegion, error) {
	rank := len(n.In(0).Shape)
	starts, steps := n.Attrs["starts"].Ints, n.Attrs["steps"].Ints
	span := func(o Span, a int) Span {
		st, sp := int(starts[a]), int(steps[a])
		return Span{st + o.Lo*sp, st + (o.Hi-1)*sp + 1}
	}
	r := NodeRegion{Out: want, Inputs: make([]InputRegion, len(n.Inputs))}
	r.Inputs[0].Rect = Rect{span(want.Rows, rank-2), span(want.Cols, rank-1)}
	for i := 1; i < len(n.Inputs); i++ {
		r.Inputs[i].Whole = true
	}
	return r, nil
}

// PadSource maps coordinate i of a padded axis, relative to the first input
// element (i = output index - begin pad), to the input index it reads in
// the given Pad mode, or -1 for the constant fill.
func PadSource(i, dim int, mode string) int {
	if i >= 0 && i < dim {
		return i
	}
	if dim == 0 {
		return -1
	}
	switch mode {
	case "edge":
		return min(max(i, 0), dim-1)
	case "wrap":
		return ((i % dim) + dim) % dim
	case "reflect":
		if dim == 1 {
			return 0
		}
		period := 2 * (dim - 1)
		i = ((i % period) + period) % period
		if i >= dim {
			i = period - i
		}
		return i
	}
	return -1
}

// regionPad traces Pad: the inputs read are the sources of the wanted
// output indices; a region entirely in the constant fill reads nothing.
// Where a region reads reflected or clamped rows, its input region also
// holds the border row (and wrapping reads the whole axis), so that the
// same Pad with pads shifted by the crop's offset computes the region from
// the crop alone.
func regionPad(n *Node, want Rect) (NodeRegion, error) {
	x := n.In(0)
	rank := len(x.Shape)
	pads := n.Attrs["pads"].Ints
	mode := n.Attrs["mode"].Str
	span := func(o Span, a int) Span {
		dim := x.Shape[a]
		lo, hi := dim, 0
		add := func(s int) { lo, hi = min(lo, s), max(hi, s+1) }
		for i := o.Lo - int(pads[a]); i < o.Hi-int(pads[a]); i++ {
			s := PadSource(i, dim, mode)
			if s < 0 {
				continue
			}
			add(s)
			switch {
			case i >= 0 && i < dim:
			case mode == "wrap" || (mode == "reflect" && (i < -(dim-1) || i > 2*(dim-1))):
				add(0)
				add(dim - 1)
			case i < 0:
				add(0)
			default:
				add(dim - 1)
			}
		}
		if hi <= lo {
			c := max(0, min(o.Lo-int(pads[a]), dim))
			return Span{c, c}
		}
		return Span{lo, hi}
	}
	r := NodeRegion{Out: want, Inputs: make([]InputRegion, len(n.Inputs))}
	r.Inputs[0].Rect = Rect{span(want.Rows, rank-2), span(want.Cols, rank-1)}
	for i := 1; i < len(n.Inputs); i++ {
		r.Inputs[i].Whole = true
	}
	return r, nil
}

// regionResize traces Resize and Upsample through the taps of every wanted
// output index (graphir.ResizeTaps).
func regionResize(n *Node, want Rect) (NodeRegion, error) {
	x, y := n.In(0), n.Outputs[0]
	rank := len(x.Shape)
	span := func(o Span, a int) Span {
		lo, hi := x.Shape[a], 0
		for i := o.Lo; i < o.Hi; i++ {
			idx, _, outside := ResizeTaps(n, a, i, x.Shape[a], y.Shape[a])
			if outside {
				continue
			}
			for _, j := range idx {
				lo, hi = min(lo, j), max(hi, j+1)
			}
		}
		if hi <= lo {
			return Span{0, 0}
		}
		return Span{lo, hi}
	}
	r := NodeRegion{Out: want, Inputs: make([]InputRegion, len(n.Inputs))}
	r.Inputs[0].Rect = Rect{span(want.Rows, rank-2), span(want.Cols, rank-1)}
	for i := 1; i < len(n.Inputs); i++ {
		r.Inputs[i].Whole = true
	}
	return r, nil
}

// regionBlocks traces SpaceToDepth (output index o reads b*o .. b*o+b-1)
// and DepthToSpace (output o reads o/b; whole blocks are computed, so the
// computed region is aligned to the block size).
func regionBlocks(n *Node, want Rect) (NodeRegion, error) {
	b := int(n.Attrs["blocksize"].Int)
	r := NodeRegion{Out: want, Inputs: make([]InputRegion, 1)}
	if n.Op == OpSpaceToDepth {
		r.Inputs[0].Rect = Rect{Span{want.Rows.Lo * b, want.Rows.Hi * b}, Span{want.Cols.Lo * b, want.Cols.Hi * b}}
		return r, nil
	}
	down := func(s Span) Span { return Span{s.Lo / b, (s.Hi + b - 1) / b} }
	in := Rect{down(want.Rows), down(want.Cols)}
	r.Inputs[0].Rect = in
	r.Out = Rect{Span{in.Rows.Lo * b, in.Rows.Hi * b}, Span{in.Cols.Lo * b, in.Cols.Hi * b}}
	return r, nil
}
