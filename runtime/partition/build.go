package partition

import (
	"fmt"
	"strings"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/kernelapi"
)

// A tile runs as a graph of its own: the stage's nodes cloned onto the
// tile's crops (windowed ops with explicit pads at the true borders only,
// Slice and Pad with shifted indices, grouped Conv with fewer groups,
// weights sliced for channel splits), Slice nodes that cut a value down to
// what one consumer needs when consumers need different regions, and an
// offset-aware kernel for Resize. runtime.NewWithOptions picks the kernels.

// tileExec is a prepared tile graph; tiles of one geometry share it.
type tileExec struct {
	g  *graphir.Graph
	ex *runtime.Executor
}

// held is the tile graph's value for an original value and the box of it
// that the tile value holds.
type held struct {
	v   *graphir.Value
	box Box
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
func (b *builder) input(v *graphir.Value, box Box) {
	tv := &graphir.Value{Name: v.Name, DType: v.DType, Shape: box.Shape()}
	b.g.Inputs = append(b.g.Inputs, tv)
	b.held[v] = held{tv, box}
	fmt.Fprintf(&b.sig, "in %s %v;", v.Name, box.Shape())
}

// use returns a tile value holding exactly box need of original value v,
// adding a Slice when the tile holds more of it.
func (b *builder) use(v *graphir.Value, need Box) (*graphir.Value, error) {
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

// slice adds a Slice node cutting box need out of tv (holding box has).
func (b *builder) slice(tv *graphir.Value, has, need Box, name string) *graphir.Value {
	rank := len(need.Lo)
	starts, ends, axes, steps := make([]int64, rank), make([]int64, rank), make([]int64, rank), make([]int64, rank)
	for a := 0; a < rank; a++ {
		starts[a] = int64(need.Lo[a] - has.Lo[a])
		ends[a] = starts[a] + int64(need.Hi[a]-need.Lo[a])
		axes[a], steps[a] = int64(a), 1
	}
	out := &graphir.Value{Name: name, DType: tv.DType, Shape: need.Shape()}
	n := &graphir.Node{Name: "cut " + name, Op: graphir.OpSlice, Opset: 13, Inputs: []*graphir.Value{tv},
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
func (b *builder) constant(c *graphir.Value, box Box) (*graphir.Value, error) {
	if box.Equal(FullBox(c.Shape)) {
		return c, nil
	}
	t, err := Crop(c.Const, box)
	if err != nil {
		return nil, fmt.Errorf("constant %q: %w", c.Name, err)
	}
	fmt.Fprintf(&b.sig, "const %s %v;", c.Name, box)
	return &graphir.Value{Name: c.Name + "#" + box.String(), DType: c.DType, Shape: t.Shape, Const: t}, nil
}

// node adds a clone of n reading ins and producing outputs holding outBox
// (per output); it returns the clone so that the caller can adjust its
// attributes.
func (b *builder) node(n *graphir.Node, ins []*graphir.Value, outBoxes []Box) *graphir.Node {
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
func (b *builder) finish(outs []*graphir.Value, parts []Part) error {
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

// executor builds (once) the tile's executor, sharing one with any tile of
// the stage that has the same geometry.
func (t *Tile) executor() (*tileExec, error) {
	t.once.Do(func() {
		b, err := t.build()
		if err != nil {
			t.err = fmt.Errorf("stage %d %q tile %d: %w", t.Stage, t.st.Name, t.Index, err)
			return
		}
		t.exec, t.err = t.st.share(b)
		if t.err != nil {
			t.err = fmt.Errorf("stage %d %q tile %d: %w", t.Stage, t.st.Name, t.Index, t.err)
		}
	})
	return t.exec, t.err
}

// share returns the stage's executor for b's geometry, building it first.
func (s *Stage) share(b *builder) (*tileExec, error) {
	key := b.sig.String()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.execs[key]; ok {
		return e, nil
	}
	opts := s.prog.opts.Runtime
	if len(b.custom) > 0 {
		extra := make(map[graphir.Op][]kernelapi.Impl, len(opts.Extra)+2)
		for op, l := range opts.Extra {
			extra[op] = l
		}
		custom := b.custom
		impl := kernelapi.Impl{Name: "partition-tile", Priority: s.prog.maxPri,
			Prepare: func(n *graphir.Node, _ kernelapi.Env) (kernelapi.Kernel, error) { return custom[n], nil }}
		for _, n := range b.g.Nodes {
			if _, ok := custom[n]; ok {
				extra[n.Op] = append([]kernelapi.Impl{impl}, extra[n.Op]...)
			}
		}
		opts.Extra = extra
	}
	ex, err := runtime.NewWithOptions(b.g, opts)
	if err != nil {
		return nil, err
	}
	e := &tileExec{g: b.g, ex: ex}
	s.execs[key] = e
	return e, nil
}

// build assembles the tile graph of t.
func (t *Tile) build() (*builder, error) {
	s := t.st
	b := newBuilder(fmt.Sprintf("%s/%d", s.Name, t.Index))
	for i, v := range s.Inputs {
		b.input(v, t.In[i].Box)
	}
	var err error
	switch {
	case t.spatial != nil:
		err = t.buildSpatial(b)
	case t.channel != nil:
		err = t.buildChannel(b)
	default:
		for _, n := range s.Nodes {
			ins := make([]*graphir.Value, len(n.Inputs))
			for j, in := range n.Inputs {
				switch {
				case in == nil:
				case in.IsConst():
					ins[j] = in
				default:
					if ins[j], err = b.use(in, FullBox(in.Shape)); err != nil {
						return nil, err
					}
				}
			}
			boxes := make([]Box, len(n.Outputs))
			for k, o := range n.Outputs {
				if o != nil {
					boxes[k] = FullBox(o.Shape)
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
