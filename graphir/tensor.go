package graphir

import (
	"fmt"
	"math"
	"strings"
)

// DType is an element type. edgectl computes in float32; int64 carries shape
// arithmetic (Shape, Gather on shapes, Reshape targets).
type DType uint8

const (
	Undefined DType = iota
	Float32
	Int64
)

func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Int64:
		return "int64"
	}
	return "undefined"
}

// Size is the size in bytes of one element.
func (d DType) Size() int {
	switch d {
	case Float32:
		return 4
	case Int64:
		return 8
	}
	return 0
}

// Shape is a static tensor shape; a scalar has the empty shape.
type Shape []int

// Size is the number of elements (1 for a scalar).
func (s Shape) Size() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// MaxElements bounds the size of any tensor edgectl handles (2^40
// elements, or what an int holds on a 32-bit machine), so that shape
// arithmetic on a corrupt model cannot overflow.
const MaxElements int64 = min(1<<40, math.MaxInt)

// Check reports a negative dimension or a size above MaxElements.
func (s Shape) Check() error {
	n := int64(1)
	for _, d := range s {
		if d < 0 {
			return fmt.Errorf("negative dimension in shape %v", s)
		}
		if d > 0 && n > MaxElements/int64(d) {
			return fmt.Errorf("shape %v has more than %d elements", s, MaxElements)
		}
		n *= int64(d)
	}
	return nil
}

// Equal reports whether s and o have the same rank and dimensions.
func (s Shape) Equal(o Shape) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

// Clone returns a copy of s that shares no memory with it.
func (s Shape) Clone() Shape {
	if s == nil {
		return nil
	}
	return append(Shape{}, s...)
}

// Strides returns the row-major element strides of s.
func (s Shape) Strides() []int {
	st := make([]int, len(s))
	acc := 1
	for i := len(s) - 1; i >= 0; i-- {
		st[i] = acc
		acc *= s[i]
	}
	return st
}

func (s Shape) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// Tensor is a small contiguous row-major (NCHW for images) tensor. Exactly one
// of F (Float32) or I (Int64) holds the data, with len == Shape.Size().
type Tensor struct {
	DType DType
	Shape Shape
	F     []float32
	I     []int64
}

// NewTensor allocates a zeroed tensor of the given type and shape.
func NewTensor(dt DType, shape Shape) *Tensor {
	t := &Tensor{DType: dt, Shape: shape.Clone()}
	switch dt {
	case Float32:
		t.F = make([]float32, shape.Size())
	case Int64:
		t.I = make([]int64, shape.Size())
	}
	return t
}

// FromFloats wraps data (not copied) as a float32 tensor.
func FromFloats(shape Shape, data []float32) *Tensor {
	return &Tensor{DType: Float32, Shape: shape.Clone(), F: data}
}

// FromInts wraps data (not copied) as an int64 tensor.
func FromInts(shape Shape, data []int64) *Tensor {
	return &Tensor{DType: Int64, Shape: shape.Clone(), I: data}
}

// Len is the number of elements.
func (t *Tensor) Len() int {
	if t.DType == Int64 {
		return len(t.I)
	}
	return len(t.F)
}

// Bytes is the size of the data in bytes.
func (t *Tensor) Bytes() int64 { return int64(t.Len()) * int64(t.DType.Size()) }

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	c := &Tensor{DType: t.DType, Shape: t.Shape.Clone()}
	if t.F != nil {
		c.F = append([]float32(nil), t.F...)
	}
	if t.I != nil {
		c.I = append([]int64(nil), t.I...)
	}
	return c
}

// Check verifies that the data length matches the shape and type.
func (t *Tensor) Check() error {
	n := t.Shape.Size()
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("negative dimension in shape %v", t.Shape)
		}
	}
	switch t.DType {
	case Float32:
		if len(t.F) != n || t.I != nil {
			return fmt.Errorf("float32 tensor of shape %v has %d elements", t.Shape, len(t.F))
		}
	case Int64:
		if len(t.I) != n || t.F != nil {
			return fmt.Errorf("int64 tensor of shape %v has %d elements", t.Shape, len(t.I))
		}
	default:
		return fmt.Errorf("tensor has undefined data type")
	}
	return nil
}

// AsInts returns the data as int64 values whatever the type (float data
// truncated), for shape arithmetic.
func (t *Tensor) AsInts() []int64 {
	if t.DType == Int64 {
		return t.I
	}
	out := make([]int64, len(t.F))
	for i, v := range t.F {
		out[i] = int64(v)
	}
	return out
}
