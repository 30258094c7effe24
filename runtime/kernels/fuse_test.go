package kernels_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels"
	"github.com/edgectl/edgectl/runtime/kernels/kerneltest"
	"github.com/edgectl/edgectl/runtime/ref"
)

// fuseGraph is x -> Conv -> Relu -> Conv -> Clip -> Conv -> LeakyRelu (y1)
// with the last Conv's output also a graph output (y0), so that one
// activation must stay.
func fuseGraph(t *testing.T) *graphir.Graph {
	r := rand.New(rand.NewSource(9))
	x := &graphir.Value{Name: "x", DType: graphir.Float32, Shape: graphir.Shape{1, 3, 9, 9}}
	g := &graphir.Graph{Name: "fuse", Opset: 18, Inputs: []*graphir.Value{x}}
	prev := x
	add := func(op graphir.Op, attrs graphir.Attrs, ins ...*graphir.Value) *graphir.Value {
		n := &graphir.Node{Name: op.String(), Op: op, Opset: 18, Attrs: attrs, Inputs: ins,
			Outputs: []*graphir.Value{{Name: op.String() + "_" + string(rune('a'+len(g.Nodes)))}}}
		if err := graphir.InferNode(n); err != nil {
			t.Fatal(err)
		}
		g.Nodes = append(g.Nodes, n)
		return n.Outputs[0]
	}
	conv := func(in *graphir.Value, cout int) *graphir.Value {
		cin := in.Shape[1]
		w := kerneltest.Rand(r, graphir.Shape{cout, cin, 3, 3})
		b := kerneltest.Rand(r, graphir.Shape{cout})
		wv := &graphir.Value{Name: "w" + string(rune('a'+len(g.Nodes))), DType: graphir.Float32, Shape: w.Shape, Const: w}
		bv := &graphir.Value{Name: "b" + string(rune('a'+len(g.Nodes))), DType: graphir.Float32, Shape: b.Shape, Const: b}
		return add(graphir.OpConv, graphir.Attrs{"pads": {Kind: graphir.AttrInts, Ints: []int64{1, 1, 1, 1}}}, in, wv, bv)
	}
	prev = add(graphir.OpRelu, graphir.Attrs{}, conv(prev, 8))
	prev = add(graphir.OpClip, graphir.Attrs{"min": {Kind: graphir.AttrFloat, Float: -0.5}, "max": {Kind: graphir.AttrFloat, Float: 0.5}}, conv(prev, 5))
	y0 := conv(prev, 4)
	y1 := add(graphir.OpLeakyRelu, graphir.Attrs{"alpha": {Kind: graphir.AttrFloat, Float: 0.1}}, y0)
	g.Outputs = []*graphir.Value{y0, y1}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	return g
}

// run executes g node by node with kernel(n) for each node.
func run(t *testing.T, g *graphir.Graph, in *graphir.Tensor, kernel func(n *graphir.Node) kernelapi.Kernel) map[string]*graphir.Tensor {
	vals := map[*graphir.Value]*graphir.Tensor{g.Inputs[0]: in}
	for _, n := range g.Nodes {
		ins := make([]*graphir.Tensor, len(n.Inputs))
		for i, v := range n.Inputs {
			if v.Const != nil {
				ins[i] = v.Const
			} else {
				ins[i] = vals[v]
			}
		}
		out := graphir.NewTensor(graphir.Float32, n.Outputs[0].Shape)
		if err := kernel(n)(n, ins, []*graphir.Tensor{out}); err != nil {
			t.Fatal(err)
		}
		vals[n.Outputs[0]] = out
	}
	res := map[string]*graphir.Tensor{}
	for _, v := range g.Outputs {
		res[v.Name] = vals[v]
	}
	return res
}

func TestFuseActivations(t *testing.T) {
	x := kerneltest.Rand(rand.New(rand.NewSource(10)), graphir.Shape{1, 3, 9, 9})
	want := run(t, fuseGraph(t), x, func(n *graphir.Node) kernelapi.Kernel { k, _ := ref.Lookup(n.Op); return k })

	g := fuseGraph(t)
	if n := graphir.FuseActivations(g); n != 2 {
		t.Fatalf("fused %d activations, want 2", n)
	}
	if len(g.Nodes) != 4 || g.Nodes[0].Attrs[graphir.AttrActivation].Str != "Relu" || g.Nodes[1].Attrs[graphir.AttrActivation].Str != "Clip" {
		t.Fatalf("unexpected graph after fusion: %v", g.Nodes)
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if graphir.FuseActivations(g) != 0 {
		t.Fatal("a second pass fused again")
	}
	refRun := run(t, g, x, func(n *graphir.Node) kernelapi.Kernel {
		if n.Op == graphir.OpConv {
			return kernels.ConvReference
		}
		k, _ := ref.Lookup(n.Op)
		return k
	})
	for name, prep := range tiers() {
		fast := run(t, g, x, func(n *graphir.Node) kernelapi.Kernel {
			k, err := prep(n, 2)
			if err != nil || k == nil {
				t.Fatalf("%s: %s kernel: %v", n, name, err)
			}
			return k
		})
		for out, w := range want {
			kerneltest.Compare(t, name+" "+out, fast[out], w, 27*8)
			kerneltest.Compare(t, "reference "+out, refRun[out], w, 1)
		}
	}
}

// TestFuseActivations_Executor runs a fused graph through runtime's
// executor, reference-only and with the best kernels: runtime registers
// the reference behaviour of a fused Conv (kernels_register.go).
func TestFuseActivations_Executor(t *testing.T) {
	x := kerneltest.Rand(rand.New(rand.NewSource(10)), graphir.Shape{1, 3, 9, 9})
	want := run(t, fuseGraph(t), x, func(n *graphir.Node) kernelapi.Kernel { k, _ := ref.Lookup(n.Op); return k })
	g := fuseGraph(t)
	graphir.FuseActivations(g)
	for _, opts := range []runtime.Options{{Reference: true}, {Threads: 1}, {Threads: 2}} {
		e, err := runtime.NewWithOptions(g, opts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Run(context.Background(), map[string]*graphir.Tensor{"x": x})
		if err != nil {
			t.Fatal(err)
		}
		for out, w := range want {
			kerneltest.Compare(t, fmt.Sprintf("%+v %s (%s)", opts, out, e.KernelName(0)), got[out], w, 27*8)
		}
	}
}

// residualGraph is a ResNet-like graph: two residual blocks (Conv -> Add ->
// Relu), an Add of two Convs, a Conv read twice, and an Add that
// broadcasts (not fusable).
func residualGraph(t *testing.T) *graphir.Graph {
	r := rand.New(rand.NewSource(11))
	x := &graphir.Value{Name: "x", DType: graphir.Float32, Shape: graphir.Shape{1, 6, 7, 8}}
	g := &graphir.Graph{Name: "residual", Opset: 18, Inputs: []*graphir.Value{x}}
	add := func(op graphir.Op, attrs graphir.Attrs, ins ...*graphir.Value) *graphir.Value {
		n := &graphir.Node{Name: fmt.Sprintf("%s%d", op, len(g.Nodes)), Op: op, Opset: 18, Attrs: attrs, Inputs: ins,
			Outputs: []*graphir.Value{{Name: fmt.Sprintf("v%d", len(g.Nodes))}}}
		if err := graphir.InferNode(n); err != nil {
			t.Fatal(err)
		}
		g.Nodes = append(g.Nodes, n)
		return n.Outputs[0]
	}
	konst := func(s graphir.Shape) *graphir.Value {
		c := kerneltest.Rand(r, s)
		return &graphir.Value{Name: fmt.Sprintf("c%d_%d", len(g.Nodes), len(s)), DType: graphir.Float32, Shape: s, Const: c}
	}
	conv := func(in *graphir.Value, k int64) *graphir.Value {
		p := k / 2
		return add(graphir.OpConv, graphir.Attrs{"pads": {Kind: graphir.AttrInts, Ints: []int64{p, p, p, p}}},
			in, konst(graphir.Shape{6, 6, int(k), int(k)}), konst(graphir.Shape{6}))
	}
	a := add(graphir.OpRelu, graphir.Attrs{}, conv(x, 3))
	b := add(graphir.OpRelu, graphir.Attrs{}, add(graphir.OpAdd, graphir.Attrs{}, conv(a, 3), a)) // block 1
	c := add(graphir.OpAdd, graphir.Attrs{}, b, conv(b, 1))                                       // Z first, no activation
	d := add(graphir.OpAdd, graphir.Attrs{}, conv(c, 3), conv(c, 1))                              // two Convs
	twice := conv(d, 3)
	e := add(graphir.OpMul, graphir.Attrs{}, add(graphir.OpAdd, graphir.Attrs{}, twice, d), twice)
	bc := add(graphir.OpAdd, graphir.Attrs{}, conv(e, 3), konst(graphir.Shape{6, 1, 1})) // broadcast
	g.Outputs = []*graphir.Value{add(graphir.OpSigmoid, graphir.Attrs{}, bc)}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestFuse_Residual(t *testing.T) {
	g := residualGraph(t)
	before := len(g.Nodes)
	f, removed := graphir.FuseConvEpilogues(g, nil)
	if len(g.Nodes) != before {
		t.Fatal("Fuse changed its input graph")
	}
	sums, acts := 0, 0
	for _, n := range f.Nodes {
		if _, ok := n.Attrs[graphir.AttrSum]; ok {
			sums++
		}
		if _, ok := n.Attrs[graphir.AttrActivation]; ok {
			acts++
		}
	}
	// Sums: block 1, c, d (one of its two Convs); the twice-read Conv and
	// the broadcast Add stay. Activations: the first Relu and block 1's.
	if sums != 3 || acts != 2 || removed != 5 || len(f.Nodes) != before-5 {
		t.Fatalf("fused %d sums and %d activations, removed %d nodes:\n%v", sums, acts, removed, f.Nodes)
	}
	x := kerneltest.Rand(rand.New(rand.NewSource(12)), graphir.Shape{1, 6, 7, 8})
	want := run(t, g, x, func(n *graphir.Node) kernelapi.Kernel { k, _ := ref.Lookup(n.Op); return k })
	refRun := run(t, f, x, func(n *graphir.Node) kernelapi.Kernel {
		if n.Op == graphir.OpConv {
			return kernels.ConvReference
		}
		k, _ := ref.Lookup(n.Op)
		return k
	})
	for out, w := range want {
		kerneltest.Compare(t, "reference "+out, refRun[out], w, 1)
	}
	for _, opts := range []runtime.Options{{Threads: 1}, {Threads: 2}, {Threads: 2, MaxPriority: kernelapi.PriorityTuned}} {
		e, err := runtime.NewWithOptions(g, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Graph().Nodes) != len(f.Nodes) {
			t.Fatalf("%+v: the executor runs %d nodes, want the %d of the fused graph", opts, len(e.Graph().Nodes), len(f.Nodes))
		}
		// Block d's Conv accumulates onto the other Conv's output in place;
		// in blocks 1 and c the residual is also the Conv's input, which
		// must not be overwritten while it is read.
		if e.SharedOutputs() != 1 {
			t.Fatalf("%+v: %d outputs share an input's buffer, want 1 (block d)", opts, e.SharedOutputs())
		}
		for i := 0; i < 2; i++ { // the second run reuses the arena
			got, err := e.Run(context.Background(), map[string]*graphir.Tensor{"x": x})
			if err != nil {
				t.Fatal(err)
			}
			for out, w := range want {
				kerneltest.Compare(t, fmt.Sprintf("%+v %s", opts, out), got[out], w, 27*8)
			}
		}
	}
}
