package tilerun

import (
	"fmt"
	"strings"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/partition"
)

// A tile runs as a graph of its own: the stage's nodes cloned onto the
// tile's crops (windowed ops with explicit pads at the true borders only,
// Slice and Pad with shifted indices, grouped Conv with fewer groups,
// weights sliced for channel splits), Slice nodes that cut a value down to
// what one consumer needs when consumers need different regions, and an
// offset-aware kernel for Resize. runtime.NewWithOptions picks the kernels.

// held is the tile graph's value for an original value and the box of it
// that the tile value holds.
type held struct {
	v   *graphir.Value
	box partition.Box
}

// builder assembles a tile graph.
type builder struct {
	g        *graphir.Graph
	held     map[*graphir.Value]held
	adapters map[string]*graphir.Value
	custom   map[*graphir.Node]kernelapi.Kernel
	sig      strings.Builder
}

func newBuilder(name string) *builder {
	return &builder{
		g:        &graphir.Graph{Name: name},
		held:     map[*graphir.Value]held{},
		adapters: map[string]*graphir.Value{},
		custom:   map[*graphir.Node]kernelapi.Kernel{},
	}
}

// input declares a tile graph input holding box of v.
func (b *builder) input(v *graphir.Value, box partition.Box) {
	tv := &graphir.Value{Name: v.Name, DType: v.DType, Shape: box.Shape()}
	b.g.Inputs = append(b.g.Inputs, tv)
	b.held[v] = held{tv, box}
	fmt.Fprintf(&b.sig, "in %s %v;", v.Name, box.Shape())
}

// use returns a tile value holding exactly box need of original value v,
// adding a Slice when the tile holds more of it.
func (b *builder) use(v *graphir.Value, need partition.Box) (*graphir.Value, error) {
	if need.Empty() {
		// Nothing of v is read (a Pad region all in the fill): an empty
		// tensor of the right rank stands in for it.
		t := graphir.NewTensor(v.DType, need.Shape())
		return &graphir.Value{Name: v.Name + "#" + need.String(), DType: v.DType, Shape: t.Shape, Const: t}, nil
	}
	h, ok := b.held[v]
	if !ok {
		return nil, fmt.Errorf("value %q is not available in the tile", v.Name)
	}
	if h.box.Equal(need) {
		return h.v, nil
	}
	if !h.box.Contains(need) {
		return nil, fmt.Errorf("value %q: needed box %v is not inside the box %v computed (internal error)", v.Name, need, h.box)
	}
	key := v.Name + "#" + need.String()
	if a, ok := b.adapters[key]; ok {
		return a, nil
	}
	a := b.slice(h.v, h.box, need, key)
	b.adapters[key] = a
	return a, nil
}

// cutPrefix starts the name of every Slice slice adds (Cuts counts them).
const cutPrefix = "cut "

// slice adds a Slice node cutting box need out of tv (holding box has).
func (b *builder) slice(tv *graphir.Value, has, need partition.Box, name string) *graphir.Value {
	rank := len(need.Lo)
	starts, ends, axes, steps := make([]int64, rank), make([]int64, rank), make([]int64, rank), make([]int64, rank)
	for a := 0; a < rank; a++ {
		starts[a] = int64(need.Lo[a] - has.Lo[a])
		ends[a] = starts[a] + int64(need.Hi[a]-need.Lo[a])
		axes[a], steps[a] = int64(a), 1
	}
	out := &graphir.Value{Name: name, DType: tv.DType, Shape: need.Shape()}
	n := &graphir.Node{Name: cutPrefix + name, Op: graphir.OpSlice, Opset: 13, Inputs: []*graphir.Value{tv},
		Outputs: []*graphir.Value{out}, Attrs: graphir.Attrs{}}
	n.Attrs.SetInts("starts", starts)
	n.Attrs.SetInts("ends", ends)
	n.Attrs.SetInts("axes", axes)
	n.Attrs.SetInts("steps", steps)
	out.Producer = n
	b.g.Nodes = append(b.g.Nodes, n)
	fmt.Fprintf(&b.sig, "cut %v %v %v;", has.Shape(), starts, need.Shape())
	return out
}

// constant returns constant c, or a constant holding box of it.
func (b *builder) constant(c *graphir.Value, box partition.Box) (*graphir.Value, error) {
	if box.Equal(partition.FullBox(c.Shape)) {
		return c, nil
	}
	t, err := partition.Crop(c.Const, box)
	if err != nil {
		return nil, fmt.Errorf("constant %q: %w", c.Name, err)
	}
	fmt.Fprintf(&b.sig, "const %s %v;", c.Name, box)
	return &graphir.Value{Name: c.Name + "#" + box.String(), DType: c.DType, Shape: t.Shape, Const: t}, nil
}

// node adds a clone of n reading ins and producing outputs holding outBox
// (per output); it returns the clone so that the caller can adjust its
// attributes.
func (b *builder) node(n *graphir.Node, ins []*graphir.Value, outBoxes []partition.Box) *graphir.Node {
	c := &graphir.Node{Name: n.Name, Op: n.Op, Opset: n.Opset, Inputs: ins, Attrs: n.Attrs}
	for k, o := range n.Outputs {
		if o == nil {
			c.Outputs = append(c.Outputs, nil)
			continue
		}
		tv := &graphir.Value{Name: o.Name, DType: o.DType, Shape: outBoxes[k].Shape(), Producer: c}
		c.Outputs = append(c.Outputs, tv)
		b.held[o] = held{tv, outBoxes[k]}
	}
	b.g.Nodes = append(b.g.Nodes, c)
	fmt.Fprintf(&b.sig, "node %s", n.Name)
	for _, in := range ins {
		if in != nil {
			fmt.Fprintf(&b.sig, " %v", in.Shape)
		}
	}
	for _, bx := range outBoxes {
		fmt.Fprintf(&b.sig, " -> %v", bx.Shape())
	}
	return c
}

// finish makes the tile graph's outputs hold exactly the tile's Out boxes.
func (b *builder) finish(outs []*graphir.Value, parts []partition.Part) error {
	for k, o := range outs {
		h, ok := b.held[o]
		if !ok {
			return fmt.Errorf("output %q is not computed by the tile", o.Name)
		}
		if h.box.Equal(parts[k].Box) {
			b.g.Outputs = append(b.g.Outputs, h.v)
			continue
		}
		if !h.box.Contains(parts[k].Box) {
			return fmt.Errorf("output %q: box %v is not inside the box %v computed (internal error)", o.Name, parts[k].Box, h.box)
		}
		h.v.Name = o.Name + "#computed"
		b.g.Outputs = append(b.g.Outputs, b.slice(h.v, h.box, parts[k].Box, o.Name))
	}
	return b.g.Validate()
}

// build assembles the tile graph of t.
func build(t *partition.Tile) (*builder, error) {
	s := t.Of()
	b := newBuilder(fmt.Sprintf("%s/%d", s.Name, t.Index))
	for i, v := range s.Inputs {
		b.input(v, t.In[i].Box)
	}
	var err error
	switch {
	case t.Spatial() != nil:
		err = buildSpatial(t, b)
	case t.ChannelTrace() != nil:
		err = buildChannel(t, b)
	default:
		for _, n := range s.Nodes {
			ins := make([]*graphir.Value, len(n.Inputs))
			for j, in := range n.Inputs {
				switch {
				case in == nil:
				case in.IsConst():
					ins[j] = in
				default:
					if ins[j], err = b.use(in, partition.FullBox(in.Shape)); err != nil {
						return nil, err
					}
				}
			}
			boxes := make([]partition.Box, len(n.Outputs))
			for k, o := range n.Outputs {
				if o != nil {
					boxes[k] = partition.FullBox(o.Shape)
				}
			}
			b.node(n, ins, boxes)
		}
	}
	if err != nil {
		return nil, err
	}
	return b, b.finish(s.Outputs, t.Out)
}
