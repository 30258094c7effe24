package graphir

import "fmt"

// Value is a tensor flowing in the graph: a graph input, an initializer or
// folded constant (Const != nil), or a node output.
type Value struct {
	Name     string
	DType    DType
	Shape    Shape
	Const    *Tensor // constant data, nil for computed values
	Producer *Node   // nil for graph inputs and constants
}

// IsConst reports whether the value is known at import time.
func (v *Value) IsConst() bool { return v != nil && v.Const != nil }

// Cost is what a node costs to run: arithmetic, weights and activations.
type Cost struct {
	FLOPs      int64 // multiply and add counted as two
	ParamBytes int64 // bytes of constant inputs (weights, biases)
	ActBytes   int64 // bytes of the outputs it writes
}

// Node is one operator application. Inputs may hold nil for an omitted
// optional input. After InferNode, Attrs are normalised (see the op's infer
// function) and Outputs carry static types and shapes.
type Node struct {
	Name    string
	Op      Op
	Opset   int // version of the default ONNX domain the model imports
	Inputs  []*Value
	Outputs []*Value
	Attrs   Attrs
	Cost    Cost
}

// In returns input i or nil when it is absent.
func (n *Node) In(i int) *Value {
	if i < len(n.Inputs) {
		return n.Inputs[i]
	}
	return nil
}

func (n *Node) String() string { return fmt.Sprintf("%s %q", n.Op, n.Name) }

// Graph is a whole model: nodes in topological order.
type Graph struct {
	Name    string
	Opset   int
	Inputs  []*Value
	Outputs []*Value
	Nodes   []*Node
}

// Consumers maps each value to the nodes that read it, in node order.
func (g *Graph) Consumers() map[*Value][]*Node {
	m := make(map[*Value][]*Node)
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			if in != nil {
				m[in] = append(m[in], n)
			}
		}
	}
	return m
}

// Totals sums the cost of all nodes.
func (g *Graph) Totals() Cost {
	var c Cost
	for _, n := range g.Nodes {
		c.FLOPs += n.Cost.FLOPs
		c.ParamBytes += n.Cost.ParamBytes
		c.ActBytes += n.Cost.ActBytes
	}
	return c
}

// Validate checks the structure: every input is produced before it is read,
// names are unique, graph outputs exist.
func (g *Graph) Validate() error {
	known := make(map[*Value]bool)
	names := make(map[string]*Value)
	add := func(v *Value) error {
		if o, ok := names[v.Name]; ok && o != v {
			return fmt.Errorf("value name %q is defined twice", v.Name)
		}
		names[v.Name] = v
		known[v] = true
		return nil
	}
	for _, v := range g.Inputs {
		if err := add(v); err != nil {
			return err
		}
	}
	for _, n := range g.Nodes {
		for i, in := range n.Inputs {
			if in == nil {
				continue
			}
			if in.Const != nil {
				if err := add(in); err != nil {
					return err
				}
				continue
			}
			if !known[in] {
				return fmt.Errorf("node %s input %d %q is not produced before it is used", n, i, in.Name)
			}
		}
		for _, out := range n.Outputs {
			if out == nil {
				continue
			}
			if known[out] {
				return fmt.Errorf("node %s output %q is produced twice", n, out.Name)
			}
			if err := add(out); err != nil {
				return err
			}
		}
	}
	for _, v := range g.Outputs {
		if !known[v] && v.Const == nil {
			return fmt.Errorf("graph output %q is never produced", v.Name)
		}
	}
	return nil
}
