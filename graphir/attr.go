package graphir

import (
	"fmt"
	"sort"
)

// AttrKind is the type of an attribute value.
type AttrKind uint8

const (
	AttrInt AttrKind = iota + 1
	AttrFloat
	AttrString
	AttrInts
	AttrFloats
	AttrStrings
	AttrTensor
)

func (k AttrKind) String() string {
	switch k {
	case AttrInt:
		return "int"
	case AttrFloat:
		return "float"
	case AttrString:
		return "string"
	case AttrInts:
		return "ints"
	case AttrFloats:
		return "floats"
	case AttrStrings:
		return "strings"
	case AttrTensor:
		return "tensor"
	}
	return "invalid"
}

// Attr is one typed attribute value; the field named by Kind holds it.
type Attr struct {
	Kind   AttrKind
	Int    int64
	Float  float32
	Str    string
	Ints   []int64
	Floats []float32
	Strs   []string
	Tensor *Tensor
}

// Attrs maps attribute names to values.
type Attrs map[string]Attr

// Names returns the attribute names in sorted order.
func (a Attrs) Names() []string {
	out := make([]string, 0, len(a))
	for k := range a {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Clone returns a copy that shares no slices with a.
func (a Attrs) Clone() Attrs {
	c := make(Attrs, len(a))
	for k, v := range a {
		v.Ints = append([]int64(nil), v.Ints...)
		v.Floats = append([]float32(nil), v.Floats...)
		v.Strs = append([]string(nil), v.Strs...)
		if v.Tensor != nil {
			v.Tensor = v.Tensor.Clone()
		}
		c[k] = v
	}
	return c
}

// SetInt, SetInts, SetFloat and SetString store normalised attributes.
func (a Attrs) SetInt(name string, v int64)     { a[name] = Attr{Kind: AttrInt, Int: v} }
func (a Attrs) SetInts(name string, v []int64)  { a[name] = Attr{Kind: AttrInts, Ints: v} }
func (a Attrs) SetFloat(name string, v float32) { a[name] = Attr{Kind: AttrFloat, Float: v} }
func (a Attrs) SetString(name string, v string) { a[name] = Attr{Kind: AttrString, Str: v} }

// Reader reads attributes with defaults and remembers the first kind error,
// so an op's code can read everything and check once:
//
//	r := n.Attrs.Reader()
//	group := r.Int("group", 1)
//	if err := r.Err(); err != nil { ... }
type Reader struct {
	a   Attrs
	err error
}

// Reader returns a Reader over a.
func (a Attrs) Reader() *Reader { return &Reader{a: a} }

// Err returns the first error met, naming the attribute.
func (r *Reader) Err() error { return r.err }

// Has reports whether the attribute is present.
func (r *Reader) Has(name string) bool { _, ok := r.a[name]; return ok }

func (r *Reader) get(name string, kind AttrKind) (Attr, bool) {
	v, ok := r.a[name]
	if !ok {
		return v, false
	}
	if v.Kind != kind {
		if r.err == nil {
			r.err = fmt.Errorf("attribute %q is %s, want %s", name, v.Kind, kind)
		}
		return v, false
	}
	return v, true
}

// Int returns an int attribute or def.
func (r *Reader) Int(name string, def int64) int64 {
	if v, ok := r.get(name, AttrInt); ok {
		return v.Int
	}
	return def
}

// Float returns a float attribute or def.
func (r *Reader) Float(name string, def float32) float32 {
	if v, ok := r.get(name, AttrFloat); ok {
		return v.Float
	}
	return def
}

// String returns a string attribute or def.
func (r *Reader) String(name string, def string) string {
	if v, ok := r.get(name, AttrString); ok {
		return v.Str
	}
	return def
}

// Ints returns an ints attribute or def.
func (r *Reader) Ints(name string, def []int64) []int64 {
	if v, ok := r.get(name, AttrInts); ok {
		return v.Ints
	}
	return def
}

// Floats returns a floats attribute or def.
func (r *Reader) Floats(name string, def []float32) []float32 {
	if v, ok := r.get(name, AttrFloats); ok {
		return v.Floats
	}
	return def
}

// Strings returns a strings attribute or def.
func (r *Reader) Strings(name string, def []string) []string {
	if v, ok := r.get(name, AttrStrings); ok {
		return v.Strs
	}
	return def
}

// Tensor returns a tensor attribute or nil.
func (r *Reader) Tensor(name string) *Tensor {
	if v, ok := r.get(name, AttrTensor); ok {
		return v.Tensor
	}
	return nil
}

// Fail records err (if none is recorded yet); ops use it for value checks.
func (r *Reader) Fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
}
