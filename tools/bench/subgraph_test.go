package bench

import (
	"context"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/runtime"
)

func load(t *testing.T, name string) *graphir.Graph {
	t.Helper()
	g, err := importer.LoadFile(sharedModel(t, name), importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func ops(g *graphir.Graph) map[graphir.Op]int {
	m := map[graphir.Op]int{}
	for _, n := range g.Nodes {
		m[n.Op]++
	}
	return m
}

func TestConvStack_VGG(t *testing.T) {
	g := load(t, "vgg16_slim")
	sub, err := ConvStack(g)
	if err != nil {
		t.Fatal(err)
	}
	all, got := ops(g), ops(sub)
	if got[graphir.OpConv] != all[graphir.OpConv] || got[graphir.OpConv] != 13 {
		t.Fatalf("conv stack has %d Convs, model %d, want 13", got[graphir.OpConv], all[graphir.OpConv])
	}
	if got[graphir.OpGemm] != 0 || got[graphir.OpMaxPool] != 4 || got[graphir.OpRelu] != 13 {
		t.Fatalf("conv stack ops %v: want 13 Conv+Relu and the 4 MaxPools between them, no classifier", got)
	}
	if last := sub.Nodes[len(sub.Nodes)-1]; last.Op != graphir.OpRelu || sub.Outputs[0] != last.Outputs[0] {
		t.Fatalf("conv stack ends with %s", last)
	}
	// Its own nodes and values: the model is untouched by running it.
	for i, n := range sub.Nodes {
		if n == g.Nodes[i] || n.Outputs[0] == g.Nodes[i].Outputs[0] {
			t.Fatalf("node %d shared with the model", i)
		}
	}
	var flops int64
	for _, n := range g.Nodes[:len(sub.Nodes)] {
		flops += n.Cost.FLOPs
	}
	if sub.Totals().FLOPs != flops {
		t.Fatalf("conv stack FLOPs %d, want %d", sub.Totals().FLOPs, flops)
	}
}

func TestConvLayers(t *testing.T) {
	g := load(t, "resnet18_tiny")
	layers, err := ConvLayers(g)
	if err != nil {
		t.Fatal(err)
	}
	var convs []*graphir.Node
	for _, n := range g.Nodes {
		if n.Op == graphir.OpConv {
			convs = append(convs, n)
		}
	}
	if len(layers) != len(convs) {
		t.Fatalf("%d layers, %d convs", len(layers), len(convs))
	}
	for i, l := range layers {
		n := l.Nodes[0]
		if len(l.Nodes) != 1 || n.Op != graphir.OpConv || l.Name != convs[i].Name {
			t.Fatalf("layer %d: %v", i, l.Nodes)
		}
		if n.Cost.FLOPs != convs[i].Cost.FLOPs || !l.Outputs[0].Shape.Equal(convs[i].Outputs[0].Shape) {
			t.Fatalf("layer %s: FLOPs %d shape %v, model's conv %d %v", l.Name, n.Cost.FLOPs, l.Outputs[0].Shape,
				convs[i].Cost.FLOPs, convs[i].Outputs[0].Shape)
		}
		if err := l.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ConvLayers(&graphir.Graph{}); err == nil {
		t.Fatal("no error for a graph without Conv")
	}
}

// runGraph runs g on inputs with our runtime's default kernels.
func runGraph(t *testing.T, g *graphir.Graph, in []Tensor) []float32 {
	t.Helper()
	s, err := openOurs(g, in, runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s.Output(0)
}

// A model exported and imported again computes what the original does,
// also when its activations were fused into the convolutions.
func TestExportONNX_RoundTrip(t *testing.T) {
	for _, tc := range []struct {
		model       string
		stack, fuse bool
	}{
		{"vgg16_slim", false, false}, {"yolov2_slim", false, false}, {"densenet_k12", false, false},
		{"squeezenet1_1", false, true}, {"mobilenet_v2_w050", false, true},
		{"vgg16_slim", true, false}, {"vgg16_slim", true, true}, {"yolov2_tiny_slim", true, true},
	} {
		name := tc.model
		if tc.stack {
			name += "_stack"
		}
		if tc.fuse {
			name += "_fused"
		}
		t.Run(name, func(t *testing.T) {
			g := load(t, tc.model)
			if tc.stack {
				var err error
				if g, err = ConvStack(g); err != nil {
					t.Fatal(err)
				}
			}
			in, err := randomInputs(g, 7)
			if err != nil {
				t.Fatal(err)
			}
			want := runGraph(t, g, in)
			if tc.fuse {
				if graphir.FuseActivations(g) == 0 {
					t.Fatal("nothing fused")
				}
			}
			data, err := ExportONNX(g)
			if err != nil {
				t.Fatal(err)
			}
			back, err := importer.Decode(data, importer.Options{KeepUnfolded: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(back.Nodes) != countUnfused(g) {
				t.Fatalf("%d nodes after export, want %d", len(back.Nodes), countUnfused(g))
			}
			got := runGraph(t, back, in)
			scale := float32(1)
			for _, v := range want {
				scale = max(scale, v, -v)
			}
			for i := range want {
				if d := got[i] - want[i]; d > 1e-4*scale || d < -1e-4*scale {
					t.Fatalf("output %d: %g after export, %g before", i, got[i], want[i])
				}
			}
		})
	}
}

func countUnfused(g *graphir.Graph) int {
	n := 0
	for _, node := range g.Nodes {
		n += len(unfuse(node))
	}
	return n
}

func TestExportONNX_UnsupportedOp(t *testing.T) {
	x := &graphir.Value{Name: "x", DType: graphir.Float32, Shape: graphir.Shape{1, 4, 2, 2}}
	n := &graphir.Node{Name: "lrn", Op: graphir.OpLRN, Inputs: []*graphir.Value{x}, Outputs: []*graphir.Value{{Name: "y"}},
		Attrs: graphir.Attrs{"size": {Kind: graphir.AttrInt, Int: 3}}}
	if err := graphir.InferNode(n); err != nil {
		t.Fatal(err)
	}
	g := &graphir.Graph{Inputs: []*graphir.Value{x}, Outputs: n.Outputs, Nodes: []*graphir.Node{n}}
	_, err := ExportONNX(g)
	if err == nil || !strings.Contains(err.Error(), `LRN "lrn"`) || !strings.Contains(err.Error(), "cannot be written") {
		t.Fatalf("err = %v, want an unsupported-op error naming the node", err)
	}
}
