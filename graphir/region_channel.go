package graphir

import "fmt"

// Channel algebra: which channels (axis 1) of a node's inputs a range of its
// output channels needs, for layer-wise splits by output channel.

// ChannelNeed is what a range of a node's output channels needs of one
// input: the span Span of axis Axis, all of the other axes; or all of it.
// For a constant input (weights, biases, per-channel parameters) the span
// says which slice of it to use.
type ChannelNeed struct {
	Whole bool
	Axis  int
	Span  Span
}

// ChannelRegion is the result of tracing an output channel range through a
// node.
type ChannelRegion struct {
	// Out is the range of output channels computed: the wanted range, or a
	// superset aligned to whole groups (grouped Conv) or whole planes
	// (Flatten).
	Out    Span
	Inputs []ChannelNeed
}

// ChannelLocal returns nil when a range of node n's output channels can be
// computed from its inputs alone, and otherwise why not.
func ChannelLocal(n *Node) error {
	if len(n.Outputs) == 0 || n.Outputs[0] == nil {
		return fmt.Errorf("%s has no output", n.Op)
	}
	for _, o := range n.Outputs[1:] {
		if o != nil {
			return fmt.Errorf("%s output %q is used; only the first output can be split", n.Op, o.Name)
		}
	}
	out := n.Outputs[0].Shape
	if len(out) < 2 {
		return fmt.Errorf("%s output has rank %d, no channel axis", n.Op, len(out))
	}
	switch {
	case spatialPointwise[n.Op]:
		for i, in := range n.Inputs {
			if in == nil || in.IsConst() {
				continue
			}
			if len(in.Shape) != len(out) && !channelBroadcast(in.Shape, out) {
				return fmt.Errorf("%s input %d %q of shape %v is not aligned with the channel axis", n.Op, i, in.Name, in.Shape)
			}
		}
		return nil
	case n.Op == OpGemm:
		return nil
	case n.Op == OpMatMul:
		if len(n.In(0).Shape) != 2 || len(n.In(1).Shape) != 2 {
			return fmt.Errorf("MatMul of shapes %v and %v: only matrices are split by channel", n.In(0).Shape, n.In(1).Shape)
		}
		return nil
	case n.Op == OpConv, n.Op == OpBatchNormalization, n.Op == OpClip, n.Op == OpDropout,
		n.Op == OpMaxPool, n.Op == OpAveragePool, n.Op == OpGlobalAveragePool, n.Op == OpGlobalMaxPool:
		return nil
	case n.Op == OpFlatten:
		if n.Attrs["axis"].Int != 1 {
			return fmt.Errorf("flatten at axis %d mixes the batch and channel axes", n.Attrs["axis"].Int)
		}
		return nil
	case n.Op == OpResize || n.Op == OpUpsample:
		if s := n.Attrs["scales"].Floats; len(s) < 2 || s[1] != 1 || n.Attrs["coordinate_transformation_mode"].Str == "tf_crop_and_resize" {
			return fmt.Errorf("resize scales or crops the channel axis")
		}
		return nil
	case n.Op == OpPad:
		p := n.Attrs["pads"].Ints
		if r := len(n.In(0).Shape); len(p) != 2*r || p[1] != 0 || p[r+1] != 0 {
			return fmt.Errorf("pad pads the channel axis")
		}
		return nil
	}
	return fmt.Errorf("%s mixes channels", n.Op)
}

// channelBroadcast reports whether s, aligned with out from the right, has
// size 1 on out's channel axis (or no such axis).
func channelBroadcast(s, out Shape) bool {
	a := 1 - (len(out) - len(s))
	return a < 0 || s[a] == 1
}

// TraceChannels maps a wanted range of node n's output channels to what it
// needs of each input.
func TraceChannels(n *Node, want Span) (ChannelRegion, error) {
	if err := ChannelLocal(n); err != nil {
		return ChannelRegion{}, fmt.Errorf("node %s: %w", n, err)
	}
	out := n.Outputs[0].Shape
	want = want.Intersect(Span{0, out[1]})
	r := ChannelRegion{Out: want, Inputs: make([]ChannelNeed, len(n.Inputs))}
	for i := range r.Inputs {
		r.Inputs[i].Whole = true
	}
	along := func(i, axis int, s Span) { r.Inputs[i] = ChannelNeed{Axis: axis, Span: s} }
	// aligned sets input i's need from numpy broadcasting against out.
	aligned := func(i int) {
		in := n.In(i)
		if in == nil {
			return
		}
		a := 1 - (len(out) - len(in.Shape))
		if a >= 0 && in.Shape[a] == out[1] && out[1] != 1 {
			along(i, a, want)
		}
	}
	switch n.Op {
	case OpGemm:
		if n.Attrs["transB"].Int != 0 {
			along(1, 0, want)
		} else {
			along(1, 1, want)
		}
		aligned(2)
	case OpMatMul:
		along(1, 1, want)
	case OpConv:
		group := int(n.Attrs["group"].Int)
		coutG, cinG := out[1]/group, n.In(0).Shape[1]/group
		if group > 1 && !want.Empty() {
			// A grouped convolution computes whole groups; an
			// ungrouped one exactly the channels wanted.
			r.Out = Span{want.Lo / coutG * coutG, (want.Hi + coutG - 1) / coutG * coutG}
		}
		if group > 1 {
			along(0, 1, Span{r.Out.Lo / coutG * cinG, r.Out.Hi / coutG * cinG})
		}
		along(1, 0, r.Out)
		if n.In(2) != nil {
			along(2, 0, r.Out)
		}
	case OpBatchNormalization:
		along(0, 1, want)
		for i := 1; i < 5; i++ {
			along(i, 0, want)
		}
	case OpFlatten:
		x := n.In(0).Shape
		plane := x[2:].Size()
		if plane == 0 {
			return r, fmt.Errorf("node %s: flatten of an empty plane", n)
		}
		c := Span{want.Lo / plane, (want.Hi + plane - 1) / plane}
		if want.Empty() {
			c = Span{}
		}
		r.Out = Span{c.Lo * plane, c.Hi * plane}
		along(0, 1, c)
	default: // pointwise, Clip, Dropout, pools, Resize, Pad
		if spatialPointwise[n.Op] {
			for i := range n.Inputs {
				aligned(i)
			}
		} else {
			along(0, 1, want)
		}
	}
	return r, nil
}

// ChannelTrace is a wanted channel range traced back through a run of
// nodes, like BlockTrace for rectangles.
type ChannelTrace struct {
	// Spans holds the channel range computed of every value computed, and
	// the range read of every value read from outside; Axis holds the axis
	// the range is on (1, except for rank-changing broadcasts).
	Spans map[*Value]ChannelNeed
	Nodes []ChannelRegion
}

// TraceChannelBlock traces wanted channel ranges of values computed by
// nodes back to the ranges of every value they read.
func TraceChannelBlock(nodes []*Node, want map[*Value]Span) (*ChannelTrace, error) {
	need := make(map[*Value]ChannelNeed)
	for v, s := range want {
		need[v] = ChannelNeed{Axis: 1, Span: s}
	}
	t := &ChannelTrace{Spans: make(map[*Value]ChannelNeed), Nodes: make([]ChannelRegion, len(nodes))}
	for i := len(nodes) - 1; i >= 0; i-- {
		n := nodes[i]
		o := n.Outputs[0]
		w, ok := need[o]
		if !ok {
			t.Nodes[i] = ChannelRegion{Inputs: make([]ChannelNeed, len(n.Inputs))}
			continue
		}
		ws := w.Span
		if w.Whole || w.Axis != 1 {
			ws = Span{0, o.Shape[1]}
		}
		cr, err := TraceChannels(n, ws)
		if err != nil {
			return nil, err
		}
		t.Nodes[i] = cr
		t.Spans[o] = ChannelNeed{Axis: 1, Span: cr.Out}
		for j, in := range n.Inputs {
			if in == nil || in.IsConst() {
				continue
			}
			c := cr.Inputs[j]
			prev, seen := need[in]
			switch {
			case !seen:
				need[in] = c
			case prev.Whole || c.Whole || prev.Axis != c.Axis:
				need[in] = ChannelNeed{Whole: true}
			default:
				need[in] = ChannelNeed{Axis: c.Axis, Span: prev.Span.Hull(c.Span)}
			}
		}
	}
	for v, c := range need {
		if _, computed := t.Spans[v]; !computed {
			t.Spans[v] = c
		}
	}
	return t, nil
}
