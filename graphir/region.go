package graphir

import "fmt"

// Region algebra: which part of a node's inputs a part of its output needs.
//
// Regions are rectangles of the two spatial axes of an image value, which
// are its last two axes (H and W of NCHW). A spatially local node maps a
// rectangle of its output to a rectangle of each input; ops without spatial
// locality (Flatten, Gemm, MatMul, global pooling, Softmax or reductions
// over H or W, InstanceNormalization, ConvTranspose, reshapes) end a fused
// block: SpatialLocal says why. The one reshape pattern a fused block
// accepts is the YOLOv2 passthrough (Reshape, Transpose, Reshape: ReorgAt),
// traced as a SpaceToDepth.
//
// The ops traced (TraceRegion): Conv (any pads, strides, dilations, groups),
// MaxPool and AveragePool (ceil_mode, count_include_pad), element-wise ops
// with numpy broadcasting (operands broadcast over H or W are read whole
// along that axis), BatchNormalization, LRN, Clip, Softmax and reductions
// over non-spatial axes, Concat and Split along non-spatial axes,
// Transpose keeping H and W, Slice with positive steps, Pad (every mode),
// Resize and Upsample (every mode and coordinate transform), SpaceToDepth
// and DepthToSpace.

// Span is the half-open index range [Lo, Hi) along one axis.
type Span struct {
	Lo int `json:"lo"`
	Hi int `json:"hi"`
}

// Len is the number of indices in s (0 when empty).
func (s Span) Len() int { return max(0, s.Hi-s.Lo) }

// Empty reports whether s holds no index.
func (s Span) Empty() bool { return s.Hi <= s.Lo }

// Intersect returns the indices in both s and o.
func (s Span) Intersect(o Span) Span {
	r := Span{max(s.Lo, o.Lo), min(s.Hi, o.Hi)}
	if r.Empty() {
		return Span{r.Lo, r.Lo}
	}
	return r
}

// Hull returns the smallest span covering s and o; an empty span adds nothing.
func (s Span) Hull(o Span) Span {
	switch {
	case s.Empty():
		return o
	case o.Empty():
		return s
	}
	return Span{min(s.Lo, o.Lo), max(s.Hi, o.Hi)}
}

// Contains reports whether every index of o is in s (true for an empty o).
func (s Span) Contains(o Span) bool {
	return o.Empty() || (s.Lo <= o.Lo && o.Hi <= s.Hi)
}

// Shift moves s by d.
func (s Span) Shift(d int) Span { return Span{s.Lo + d, s.Hi + d} }

func (s Span) String() string { return fmt.Sprintf("[%d,%d)", s.Lo, s.Hi) }

// Rect is a region of the two spatial axes of an image value: rows of the
// second-to-last axis (H) and columns of the last axis (W).
type Rect struct {
	Rows Span `json:"rows"`
	Cols Span `json:"cols"`
}

// FullRect is the whole of the last two axes of shape (a rank-1 shape has
// one row; a scalar one element).
func FullRect(s Shape) Rect {
	h, w := 1, 1
	if len(s) >= 2 {
		h = s[len(s)-2]
	}
	if len(s) >= 1 {
		w = s[len(s)-1]
	}
	return Rect{Span{0, h}, Span{0, w}}
}

// Empty reports whether r holds no element.
func (r Rect) Empty() bool { return r.Rows.Empty() || r.Cols.Empty() }

// Area is the number of elements of one H x W plane in r.
func (r Rect) Area() int { return r.Rows.Len() * r.Cols.Len() }

// Intersect returns the elements in both r and o.
func (r Rect) Intersect(o Rect) Rect {
	return Rect{r.Rows.Intersect(o.Rows), r.Cols.Intersect(o.Cols)}
}

// Hull returns the smallest rectangle covering r and o; an empty rectangle
// adds nothing.
func (r Rect) Hull(o Rect) Rect {
	switch {
	case r.Empty():
		return o
	case o.Empty():
		return r
	}
	return Rect{r.Rows.Hull(o.Rows), r.Cols.Hull(o.Cols)}
}

// Contains reports whether every element of o is in r.
func (r Rect) Contains(o Rect) bool {
	return o.Empty() || (r.Rows.Contains(o.Rows) && r.Cols.Contains(o.Cols))
}

// Shift moves r by dy rows and dx columns.
func (r Rect) Shift(dy, dx int) Rect { return Rect{r.Rows.Shift(dy), r.Cols.Shift(dx)} }

func (r Rect) String() string { return fmt.Sprintf("rows %v cols %v", r.Rows, r.Cols) }

// Pads are the rows and columns of an op's own padding that a region of its
// output reads beyond the true borders of the input. They are zero at
// interior edges of a region, where neighbouring data (a halo) is read
// instead.
type Pads struct {
	Top, Bottom, Left, Right int
}

// IsZero reports whether no padding is read.
func (p Pads) IsZero() bool { return p == Pads{} }

// InputRegion is what computing a region of a node's output needs of one
// input.
type InputRegion struct {
	// Whole means the input is read entirely (weights, per-channel
	// parameters, operands broadcast over H and W, absent inputs); Rect and
	// Pad are then unused.
	Whole bool
	// Rect is the region of the input read, inside the input.
	Rect Rect
	// Pad is the op's own padding the region reads at the true borders of
	// the input (windowed ops only); a crop of Rect padded by Pad is exactly
	// what the op's windows cover.
	Pad Pads
}

// NodeRegion is the result of tracing a wanted output region through a node.
type NodeRegion struct {
	// Out is the region of the outputs computed: the wanted region, or for
	// ops that work in whole blocks (DepthToSpace) a superset of it. Every
	// output of a spatially local node has the same H and W.
	Out Rect
	// Inputs holds one entry per node input.
	Inputs []InputRegion
}
