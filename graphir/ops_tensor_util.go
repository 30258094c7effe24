package graphir

import "fmt"

// tensorMaxElems bounds the size of shapes built from constant data
// (Reshape targets, ConstantOfShape, Expand, Tile, Range, Pad), so a bad
// model fails at import instead of exhausting memory.
const tensorMaxElems = 1 << 31

// tensorNoFLOPs is the cost function of data-movement ops.
func tensorNoFLOPs(*Node) int64 { return 0 }

// tensorSetAttrs returns n.Attrs, allocating it if the node has none.
func tensorSetAttrs(n *Node) Attrs {
	if n.Attrs == nil {
		n.Attrs = Attrs{}
	}
	return n.Attrs
}

// tensorShapeOf converts dimensions read from constant data into a Shape,
// rejecting negative dimensions and sizes above tensorMaxElems.
func tensorShapeOf(dims []int64) (Shape, error) {
	s := make(Shape, len(dims))
	size := int64(1)
	for i, d := range dims {
		if d < 0 {
			return nil, fmt.Errorf("negative dimension %d in shape %v", d, dims)
		}
		if d > tensorMaxElems {
			return nil, fmt.Errorf("shape %v is too large", dims)
		}
		if size *= d; size > tensorMaxElems {
			return nil, fmt.Errorf("shape %v is too large", dims)
		}
		s[i] = int(d)
	}
	return s, nil
}

// tensorAxes normalises axes against rank, rejecting duplicates; the result
// keeps the given order.
func tensorAxes(axes []int64, rank int) ([]int, error) {
	out := make([]int, len(axes))
	seen := make([]bool, rank)
	for i, a := range axes {
		ax, err := NormAxis(a, rank)
		if err != nil {
			return nil, err
		}
		if seen[ax] {
			return nil, fmt.Errorf("axis %d is repeated in %v", a, axes)
		}
		seen[ax] = true
		out[i] = ax
	}
	return out, nil
}

// tensorIntsArg reads an ints argument that is constant input i from some
// opset on and attribute name before it (and after normalisation): the input
// when present, else the attribute; ok is false when neither is given.
func tensorIntsArg(n *Node, i int, name string) (vals []int64, ok bool, err error) {
	if n.In(i) != nil {
		v, err := ConstInts(n, i, name)
		return v, err == nil, err
	}
	r := n.Attrs.Reader()
	if !r.Has(name) {
		return nil, false, nil
	}
	v := r.Ints(name, nil)
	return v, r.Err() == nil, r.Err()
}

// tensorInts converts ints to int64 for storing as an attribute.
func tensorInts(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// tensorSameType checks that all inputs in [from, to) are present and have
// the type of input from.
func tensorSameType(n *Node, from, to int) error {
	for i := from; i < to; i++ {
		in := n.In(i)
		if in == nil {
			return fmt.Errorf("input %d is missing", i)
		}
		if in.DType != n.In(from).DType {
			return fmt.Errorf("input %d has type %s, input %d has %s", i, in.DType, from, n.In(from).DType)
		}
	}
	return nil
}
