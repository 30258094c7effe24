package partition

import (
	"fmt"
	"strings"

	"github.com/edgectl/edgectl/graphir"
)

// Box is a sub-array of a tensor: the indices [Lo[i], Hi[i]) along each
// axis i. A tensor that holds a box has shape Hi - Lo, row-major.
type Box struct {
	Lo []int `json:"lo"`
	Hi []int `json:"hi"`
}

// Part is a box of a named value.
type Part struct {
	Value string `json:"value"`
	Box   Box    `json:"box"`
}

// FullBox is the whole of a tensor of shape s.
func FullBox(s graphir.Shape) Box {
	b := Box{Lo: make([]int, len(s)), Hi: make([]int, len(s))}
	copy(b.Hi, s)
	return b
}

// RectBox is the rectangle r of the last two axes of a value of shape s,
// all of its other axes.
func RectBox(s graphir.Shape, r graphir.Rect) Box {
	b := FullBox(s)
	if len(s) >= 1 {
		b.Lo[len(s)-1], b.Hi[len(s)-1] = r.Cols.Lo, r.Cols.Hi
	}
	if len(s) >= 2 {
		b.Lo[len(s)-2], b.Hi[len(s)-2] = r.Rows.Lo, r.Rows.Hi
	}
	return b
}

// AxisBox is the span sp of one axis of a value of shape s, all of the
// other axes.
func AxisBox(s graphir.Shape, axis int, sp graphir.Span) Box {
	b := FullBox(s)
	b.Lo[axis], b.Hi[axis] = sp.Lo, sp.Hi
	return b
}

// Rect returns the rectangle of the last two axes of b.
func (b Box) Rect() graphir.Rect {
	r := len(b.Lo)
	var out graphir.Rect
	if r >= 1 {
		out.Cols = graphir.Span{Lo: b.Lo[r-1], Hi: b.Hi[r-1]}
	}
	if r >= 2 {
		out.Rows = graphir.Span{Lo: b.Lo[r-2], Hi: b.Hi[r-2]}
	} else {
		out.Rows = graphir.Span{Lo: 0, Hi: 1}
	}
	return out
}

// Shape is the shape of a tensor holding b.
func (b Box) Shape() graphir.Shape {
	s := make(graphir.Shape, len(b.Lo))
	for i := range s {
		s[i] = max(0, b.Hi[i]-b.Lo[i])
	}
	return s
}

// Size is the number of elements in b.
func (b Box) Size() int { return b.Shape().Size() }

// Empty reports whether b holds no element.
func (b Box) Empty() bool {
	for i := range b.Lo {
		if b.Hi[i] <= b.Lo[i] {
			return true
		}
	}
	return false
}

// Equal reports whether b and o are the same box.
func (b Box) Equal(o Box) bool {
	if len(b.Lo) != len(o.Lo) {
		return false
	}
	for i := range b.Lo {
		if b.Lo[i] != o.Lo[i] || b.Hi[i] != o.Hi[i] {
			return false
		}
	}
	return true
}

// Contains reports whether every element of o is in b.
func (b Box) Contains(o Box) bool {
	if len(b.Lo) != len(o.Lo) {
		return false
	}
	if o.Empty() {
		return true
	}
	for i := range b.Lo {
		if o.Lo[i] < b.Lo[i] || o.Hi[i] > b.Hi[i] {
			return false
		}
	}
	return true
}

// Intersect returns the elements in both b and o (of one rank).
func (b Box) Intersect(o Box) Box {
	r := Box{Lo: make([]int, len(b.Lo)), Hi: make([]int, len(b.Lo))}
	for i := range b.Lo {
		r.Lo[i], r.Hi[i] = max(b.Lo[i], o.Lo[i]), min(b.Hi[i], o.Hi[i])
		if r.Hi[i] < r.Lo[i] {
			r.Hi[i] = r.Lo[i]
		}
	}
	return r
}

func (b Box) String() string {
	parts := make([]string, len(b.Lo))
	for i := range b.Lo {
		parts[i] = fmt.Sprintf("%d:%d", b.Lo[i], b.Hi[i])
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// Crop copies box b out of a whole tensor t.
func Crop(t *graphir.Tensor, b Box) (*graphir.Tensor, error) {
	return Cut(t, FullBox(t.Shape), b)
}

// Cut copies box want out of src, a tensor that holds box srcBox of a
// value (both boxes in the value's coordinates); want must lie inside
// srcBox.
func Cut(src *graphir.Tensor, srcBox, want Box) (*graphir.Tensor, error) {
	if !srcBox.Shape().Equal(src.Shape) {
		return nil, fmt.Errorf("tensor of shape %v does not hold box %v", src.Shape, srcBox)
	}
	if !srcBox.Contains(want) {
		return nil, fmt.Errorf("box %v is not inside the box %v held", want, srcBox)
	}
	dst := graphir.NewTensor(src.DType, want.Shape())
	copyBox(dst, want, src, srcBox, want)
	return dst, nil
}

// Paste copies into dst (holding box dstBox of a value) the elements of
// src (holding srcBox) that both hold.
func Paste(dst *graphir.Tensor, dstBox Box, src *graphir.Tensor, srcBox Box) error {
	if !dstBox.Shape().Equal(dst.Shape) {
		return fmt.Errorf("tensor of shape %v does not hold box %v", dst.Shape, dstBox)
	}
	if !srcBox.Shape().Equal(src.Shape) {
		return fmt.Errorf("tensor of shape %v does not hold box %v", src.Shape, srcBox)
	}
	if dst.DType != src.DType {
		return fmt.Errorf("cannot paste %s into %s", src.DType, dst.DType)
	}
	copyBox(dst, dstBox, src, srcBox, dstBox.Intersect(srcBox))
	return nil
}

// copyBox copies region (inside both boxes) from src to dst, one
// contiguous run along the last axis at a time.
func copyBox(dst *graphir.Tensor, dstBox Box, src *graphir.Tensor, srcBox Box, region Box) {
	if region.Empty() {
		return
	}
	rank := len(region.Lo)
	if rank == 0 {
		copyRun(dst, 0, src, 0, 1)
		return
	}
	ds, ss := dst.Shape.Strides(), src.Shape.Strides()
	shape := region.Shape()
	run := shape[rank-1]
	pos := make([]int, rank-1)
	for {
		dOff, sOff := 0, 0
		for a := 0; a < rank; a++ {
			p := region.Lo[a]
			if a < rank-1 {
				p += pos[a]
			}
			dOff += (p - dstBox.Lo[a]) * ds[a]
			sOff += (p - srcBox.Lo[a]) * ss[a]
		}
		copyRun(dst, dOff, src, sOff, run)
		a := rank - 2
		for ; a >= 0; a-- {
			if pos[a]++; pos[a] < shape[a] {
				break
			}
			pos[a] = 0
		}
		if a < 0 {
			return
		}
	}
}

func copyRun(dst *graphir.Tensor, dOff int, src *graphir.Tensor, sOff, n int) {
	if dst.DType == graphir.Int64 {
		copy(dst.I[dOff:dOff+n], src.I[sOff:sOff+n])
		return
	}
	copy(dst.F[dOff:dOff+n], src.F[sOff:sOff+n])
}
