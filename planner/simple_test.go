package planner

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

// residualChain is Conv -> Relu -> Add(x) -> MaxPool 2x2 on a 1x2x8x8
// input: one residual block.
func residualChain(t testing.TB) *graphir.Graph {
	t.Helper()
	x := &graphir.Value{Name: "x", DType: graphir.Float32, Shape: graphir.Shape{1, 2, 8, 8}}
	g := &graphir.Graph{Inputs: []*graphir.Value{x}}
	add := func(op graphir.Op, attrs graphir.Attrs, ins ...*graphir.Value) *graphir.Value {
		if attrs == nil {
			attrs = graphir.Attrs{}
		}
		n := &graphir.Node{Name: op.String(), Op: op, Attrs: attrs, Inputs: ins, Outputs: []*graphir.Value{{Name: op.String() + "_out"}}}
		if err := graphir.InferNode(n); err != nil {
			t.Fatal(err)
		}
		g.Nodes = append(g.Nodes, n)
		return n.Outputs[0]
	}
	ca := graphir.Attrs{}
	ca.SetInts("pads", []int64{1, 1, 1, 1})
	w := &graphir.Value{Name: "w", DType: graphir.Float32, Shape: graphir.Shape{2, 2, 3, 3}, Const: graphir.NewTensor(graphir.Float32, graphir.Shape{2, 2, 3, 3})}
	c := add(graphir.OpConv, ca, x, w)
	r := add(graphir.OpRelu, nil, c)
	s := add(graphir.OpAdd, nil, r, x)
	pa := graphir.Attrs{}
	pa.SetInts("kernel_shape", []int64{2, 2})
	pa.SetInts("strides", []int64{2, 2})
	p := add(graphir.OpMaxPool, pa, s)
	g.Outputs = []*graphir.Value{p}
	return g
}

func TestEvenWeightedSplit(t *testing.T) {
	if got := EvenSplit(13, 4); !reflect.DeepEqual(got, []int{0, 3, 6, 9, 13}) {
		t.Errorf("EvenSplit(13, 4) = %v", got)
	}
	if got := EvenSplit(2, 4); !reflect.DeepEqual(got, []int{0, 1, 2}) {
		t.Errorf("EvenSplit(2, 4) = %v", got)
	}
	if got := WeightedSplit(100, []float64{1, 3}); !reflect.DeepEqual(got, []int{0, 25, 100}) {
		t.Errorf("WeightedSplit(100, [1 3]) = %v", got)
	}
	if got := WeightedSplit(3, []float64{1, 100, 1}); !reflect.DeepEqual(got, []int{0, 1, 2, 3}) {
		t.Errorf("WeightedSplit keeps every part non-empty: %v", got)
	}
}

func TestRandomPlan_Valid(t *testing.T) {
	g := residualChain(t)
	for seed := uint64(0); seed < 200; seed++ {
		p, err := RandomPlan(g, rand.New(rand.NewPCG(seed, 1)), RandomPlanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Bind(g); err != nil {
			b, _ := p.Encode()
			t.Fatalf("seed %d: %v\n%s", seed, err, b)
		}
	}
}

func TestSimplePlan_Residual(t *testing.T) {
	g := residualChain(t)
	p, err := SimplePlan(g, 3, Grid{Rows: 2, Cols: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Stages) != 1 || p.Stages[0].Kind != graphir.StageFused || p.Stages[0].To != "MaxPool_out" {
		b, _ := p.Encode()
		t.Fatalf("want the whole residual block fused:\n%s", b)
	}
	want := []string{"worker-0", "worker-1", "worker-2", "worker-0"}
	if !reflect.DeepEqual(p.Stages[0].Split.Devices, want) {
		t.Errorf("devices %v, want %v", p.Stages[0].Split.Devices, want)
	}
}
