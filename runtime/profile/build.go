package profile

import (
	"fmt"
	"math/rand/v2"

	"github.com/edgectl/edgectl/graphir"
)

// builder makes the small graphs the micro-benchmarks run: the node
// measured first (with an activation or sum the executor fuses into it),
// then a one-element Slice of its output, so that the measured output
// lives in the executor's arena as it does inside a model (a graph output
// would be allocated afresh every run).
type builder struct {
	g      *graphir.Graph
	inputs map[string]*graphir.Tensor
	rng    *rand.Rand
	count  int
	// dry leaves the tensors zero: the graph is built to be classified,
	// not run (the pages of large weights are then never touched).
	dry bool
}

func newBuilder(seed uint64) *builder {
	return &builder{g: &graphir.Graph{Name: "profile", Opset: 13}, inputs: map[string]*graphir.Tensor{},
		rng: rand.New(rand.NewPCG(seed, 0x70726f66696c65))}
}

func (b *builder) name(prefix string) string {
	b.count++
	return fmt.Sprintf("%s%d", prefix, b.count)
}

// input adds a graph input of shape with values in [-1, 1).
func (b *builder) input(shape ...int) *graphir.Value {
	v := &graphir.Value{Name: b.name("x"), DType: graphir.Float32, Shape: graphir.Shape(shape)}
	b.g.Inputs = append(b.g.Inputs, v)
	t := graphir.NewTensor(graphir.Float32, v.Shape)
	if !b.dry {
		// Every value drawn, none repeated: a kernel that branches on
		// its input (a Go loop's compare) mispredicts on activations, but
		// the branch predictor learns a block repeated every 4096 values
		// (fill), as the 2x2 max pool's Go tail showed: 20 us on repeated
		// data, 51-66 on a model's.
		for i := range t.F {
			t.F[i] = 2*b.rng.Float32() - 1
		}
	}
	b.inputs[v.Name] = t
	return v
}

// constant adds a constant of shape with values in [-scale, scale).
func (b *builder) constant(scale float32, shape ...int) *graphir.Value {
	t := b.fill(graphir.Shape(shape), scale)
	return &graphir.Value{Name: b.name("w"), DType: graphir.Float32, Shape: t.Shape, Const: t}
}

// fill draws 4096 values and repeats them: weights of 400 MB are made in
// a blink, and no kernel branches on its weights' values.
func (b *builder) fill(shape graphir.Shape, scale float32) *graphir.Tensor {
	t := graphir.NewTensor(graphir.Float32, shape)
	if b.dry {
		return t
	}
	var block [4096]float32
	for i := range block {
		block[i] = scale * (2*b.rng.Float32() - 1)
	}
	for i := 0; i < len(t.F); i += len(block) {
		copy(t.F[i:], block[:])
	}
	return t
}

// node adds a node of op with attrs reading ins and returns its first
// output.
func (b *builder) node(op graphir.Op, opset int, attrs graphir.Attrs, ins ...*graphir.Value) (*graphir.Value, error) {
	outs, err := b.nodeN(op, opset, attrs, 1, ins...)
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// nodeN adds a node of op with nout outputs.
func (b *builder) nodeN(op graphir.Op, opset int, attrs graphir.Attrs, nout int, ins ...*graphir.Value) ([]*graphir.Value, error) {
	if attrs == nil {
		attrs = graphir.Attrs{}
	}
	n := &graphir.Node{Name: b.name(op.String()), Op: op, Opset: opset, Inputs: ins, Attrs: attrs}
	for range nout {
		n.Outputs = append(n.Outputs, &graphir.Value{Name: b.name("y")})
	}
	if err := graphir.InferNode(n); err != nil {
		return nil, err
	}
	b.g.Nodes = append(b.g.Nodes, n)
	return n.Outputs, nil
}

// finish ends the graph with a one-element Slice of v.
func (b *builder) finish(v *graphir.Value) (*graphir.Graph, map[string]*graphir.Tensor, error) {
	starts, ends := make([]int64, len(v.Shape)), make([]int64, len(v.Shape))
	for i := range ends {
		ends[i] = 1
	}
	a := graphir.Attrs{}
	a.SetInts("starts", starts)
	a.SetInts("ends", ends)
	out, err := b.node(graphir.OpSlice, 9, a, v)
	if err != nil {
		return nil, nil, err
	}
	b.g.Outputs = []*graphir.Value{out}
	if err := b.g.Validate(); err != nil {
		return nil, nil, err
	}
	return b.g, b.inputs, nil
}

func ints64(v ...int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}
