package runtime

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/ref"
)

// chain builds x -> Relu -> Relu ... with a side branch added back, so that
// lifetimes overlap in a non-trivial way.
func chain(t *testing.T) *graphir.Graph {
	t.Helper()
	x := &graphir.Value{Name: "x", DType: graphir.Float32, Shape: graphir.Shape{1, 4, 8, 8}}
	g := &graphir.Graph{Inputs: []*graphir.Value{x}}
	prev, branch := x, x
	for i := 0; i < 6; i++ {
		out := &graphir.Value{Name: "v" + string(rune('a'+i))}
		n := &graphir.Node{Name: "relu" + string(rune('a'+i)), Op: graphir.OpRelu, Opset: 13, Inputs: []*graphir.Value{prev}, Outputs: []*graphir.Value{out}, Attrs: graphir.Attrs{}}
		if i == 3 {
			n = &graphir.Node{Name: "add", Op: graphir.OpAdd, Opset: 13, Inputs: []*graphir.Value{prev, branch}, Outputs: []*graphir.Value{out}, Attrs: graphir.Attrs{}}
		}
		if i == 1 {
			branch = out
		}
		if err := graphir.InferNode(n); err != nil {
			t.Fatal(err)
		}
		g.Nodes = append(g.Nodes, n)
		prev = out
	}
	g.Outputs = []*graphir.Value{prev}
	return g
}

func TestPlanArena_NoOverlapWhileAlive(t *testing.T) {
	g := chain(t)
	p := planArena(g, nil)
	pos := map[*graphir.Value]int{}
	for i, n := range g.Nodes {
		pos[n.Outputs[0]] = i
	}
	last := map[*graphir.Value]int{}
	for i, n := range g.Nodes {
		for _, v := range n.Inputs {
			last[v] = i
		}
	}
	for a, oa := range p.offset {
		for b, ob := range p.offset {
			if a == b {
				continue
			}
			alive := pos[a] <= last[b] && pos[b] <= last[a]
			overlap := oa < ob+b.Shape.Size() && ob < oa+a.Shape.Size()
			if alive && overlap {
				t.Fatalf("%s and %s are alive together and share memory", a.Name, b.Name)
			}
		}
	}
	if p.size >= 5*256 {
		t.Fatalf("arena of %d elements: no reuse at all", p.size)
	}
}

// The arena executor must compute exactly what node-by-node reference
// execution with fresh tensors computes, run after run.
func TestExecutor_ArenaMatchesFreshTensors(t *testing.T) {
	g := chain(t)
	e, err := NewWithOptions(g, Options{Reference: true})
	if err != nil {
		t.Fatal(err)
	}
	for run := 0; run < 3; run++ {
		x := graphir.NewTensor(graphir.Float32, g.Inputs[0].Shape)
		for i := range x.F {
			x.F[i] = rand.Float32()*2 - 1
		}
		got, err := e.Run(context.Background(), map[string]*graphir.Tensor{"x": x})
		if err != nil {
			t.Fatal(err)
		}
		vals := map[*graphir.Value]*graphir.Tensor{g.Inputs[0]: x}
		for _, n := range g.Nodes {
			ins := make([]*graphir.Tensor, len(n.Inputs))
			for i, v := range n.Inputs {
				ins[i] = vals[v]
			}
			outs, err := ref.Run(n, ins)
			if err != nil {
				t.Fatal(err)
			}
			vals[n.Outputs[0]] = outs[0]
		}
		want := vals[g.Outputs[0]]
		for i := range want.F {
			if got[g.Outputs[0].Name].F[i] != want.F[i] {
				t.Fatalf("run %d differs at %d", run, i)
			}
		}
	}
}
