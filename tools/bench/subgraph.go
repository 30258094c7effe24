package bench

import (
	"fmt"

	"github.com/edgectl/edgectl/graphir"
)

// activations may follow a Conv inside the conv stack's last layer.
var activations = map[graphir.Op]bool{
	graphir.OpRelu: true, graphir.OpLeakyRelu: true, graphir.OpClip: true, graphir.OpSigmoid: true,
}

// ConvStack returns g cut right after its last Conv, or after the activation
// that alone reads that Conv's output: the feature extractor without the
// classifier (for VGG-16, 13 Conv+Relu and 4 MaxPool nodes). Nodes that do
// not lead to the cut are dropped. The sub-graph has its own nodes and
// values and shares only the constants with g.
func ConvStack(g *graphir.Graph) (*graphir.Graph, error) {
	last := -1
	for i, n := range g.Nodes {
		if n.Op == graphir.OpConv {
			last = i
		}
	}
	if last < 0 {
		return nil, fmt.Errorf("graph has no Conv")
	}
	out := g.Nodes[last].Outputs[0]
	if last+1 < len(g.Nodes) {
		next := g.Nodes[last+1]
		if activations[next.Op] && next.In(0) == out && len(g.Consumers()[out]) == 1 && !isOutput(g, out) {
			last++
			out = next.Outputs[0]
		}
	}
	// Keep the nodes the cut depends on, in order.
	need := map[*graphir.Value]bool{out: true}
	keep := make([]bool, last+1)
	for i := last; i >= 0; i-- {
		n := g.Nodes[i]
		for _, o := range n.Outputs {
			if o != nil && need[o] {
				keep[i] = true
			}
		}
		if keep[i] {
			for _, in := range n.Inputs {
				if in != nil && in.Const == nil {
					need[in] = true
				}
			}
		}
	}
	// Copy the kept nodes and the values between them (constants are
	// shared), so that an executor that rewrites its graph (fusing
	// activations into convolutions) leaves g and other sub-graphs alone.
	vals := map[*graphir.Value]*graphir.Value{}
	cp := func(v *graphir.Value) *graphir.Value {
		if v == nil || v.Const != nil {
			return v
		}
		if c, ok := vals[v]; ok {
			return c
		}
		c := &graphir.Value{Name: v.Name, DType: v.DType, Shape: v.Shape.Clone()}
		vals[v] = c
		return c
	}
	sub := &graphir.Graph{Name: g.Name + "_conv_stack", Opset: g.Opset}
	for _, v := range g.Inputs {
		if need[v] {
			sub.Inputs = append(sub.Inputs, cp(v))
		}
	}
	for i, k := range keep {
		if !k {
			continue
		}
		n := g.Nodes[i]
		c := &graphir.Node{Name: n.Name, Op: n.Op, Opset: n.Opset, Attrs: n.Attrs.Clone(), Cost: n.Cost}
		for _, in := range n.Inputs {
			c.Inputs = append(c.Inputs, cp(in))
		}
		for _, o := range n.Outputs {
			co := cp(o)
			if co != nil {
				co.Producer = c
			}
			c.Outputs = append(c.Outputs, co)
		}
		sub.Nodes = append(sub.Nodes, c)
	}
	sub.Outputs = []*graphir.Value{cp(out)}
	if err := sub.Validate(); err != nil {
		return nil, fmt.Errorf("conv stack: %w", err)
	}
	return sub, nil
}

func isOutput(g *graphir.Graph, v *graphir.Value) bool {
	for _, o := range g.Outputs {
		if o == v {
			return true
		}
	}
	return false
}

// ConvLayers returns every Conv node of g as a one-node graph of its own: a
// graph input of the Conv's input shape, the same weights, bias and
// attributes, shapes and cost inferred anew with graphir.InferNode.
func ConvLayers(g *graphir.Graph) ([]*graphir.Graph, error) {
	var out []*graphir.Graph
	for _, n := range g.Nodes {
		if n.Op != graphir.OpConv {
			continue
		}
		x := n.In(0)
		in := &graphir.Value{Name: "bench_input", DType: x.DType, Shape: x.Shape.Clone()}
		node := &graphir.Node{
			Name:    n.Name,
			Op:      graphir.OpConv,
			Opset:   n.Opset,
			Inputs:  []*graphir.Value{in},
			Outputs: []*graphir.Value{{Name: "bench_output"}},
			Attrs:   n.Attrs.Clone(),
		}
		for _, v := range n.Inputs[1:] {
			if v != nil && v.Const == nil {
				return nil, fmt.Errorf("node %s: input %q is not constant", n, v.Name)
			}
			if v == nil {
				node.Inputs = append(node.Inputs, nil)
				continue
			}
			node.Inputs = append(node.Inputs, &graphir.Value{Name: v.Name, DType: v.DType, Shape: v.Shape.Clone(), Const: v.Const})
		}
		if err := graphir.InferNode(node); err != nil {
			return nil, err
		}
		out = append(out, &graphir.Graph{
			Name: n.Name, Opset: n.Opset,
			Inputs: []*graphir.Value{in}, Outputs: node.Outputs, Nodes: []*graphir.Node{node},
		})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("graph has no Conv")
	}
	return out, nil
}
