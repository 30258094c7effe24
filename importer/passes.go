package importer

import (
	"fmt"
	"math"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/ref"
)

// maxFoldElements bounds the size of a tensor computed at import time.
const maxFoldElements = 1 << 26

// inferAndFold visits nodes in order, infers each one's output types and, when
// every input is constant, evaluates it with the reference kernels and
// replaces its outputs by constants. A Shape node always folds, since shapes
// are static. Shapes feeding Reshape, Pad, Resize or Expand thus become
// constants before those nodes are inferred.
func inferAndFold(g *graphir.Graph, fold bool) error {
	kept := g.Nodes[:0]
	for _, n := range g.Nodes {
		if err := graphir.InferNode(n); err != nil {
			return err
		}
		if !fold || !foldable(n) {
			kept = append(kept, n)
			continue
		}
		ins := make([]*graphir.Tensor, len(n.Inputs))
		for i, v := range n.Inputs {
			if v != nil {
				ins[i] = v.Const
			}
		}
		if n.Op == graphir.OpShape {
			ins[0] = graphir.NewTensor(n.Inputs[0].DType, n.Inputs[0].Shape)
		}
		outs, err := ref.Run(n, ins)
		if err != nil {
			return fmt.Errorf("folding constants: %w", err)
		}
		for i, v := range n.Outputs {
			if v != nil {
				v.Const = outs[i]
				v.Producer = nil
			}
		}
	}
	g.Nodes = kept
	return nil
}

func foldable(n *graphir.Node) bool {
	if _, ok := ref.Lookup(n.Op); !ok {
		return false
	}
	for _, v := range n.Outputs {
		if v != nil && v.Shape.Size() > maxFoldElements {
			return false
		}
	}
	if n.Op == graphir.OpShape {
		return true
	}
	for _, v := range n.Inputs {
		if v != nil && v.Const == nil {
			return false
		}
	}
	return true
}

// replaceUses makes every reader of old (nodes and graph outputs) read nu.
func replaceUses(g *graphir.Graph, old, nu *graphir.Value) {
	for _, n := range g.Nodes {
		for i, v := range n.Inputs {
			if v == old {
				n.Inputs[i] = nu
			}
		}
	}
	for i, v := range g.Outputs {
		if v == old {
			g.Outputs[i] = nu
		}
	}
}

func isGraphOutput(g *graphir.Graph, v *graphir.Value) bool {
	for _, o := range g.Outputs {
		if o == v {
			return true
		}
	}
	return false
}

// dropIdentities removes Identity and inference-mode Dropout nodes. When the
// node's output is a graph output, the producer of its input writes that
// output directly, so graph output names survive.
func dropIdentities(g *graphir.Graph) {
	kept := g.Nodes[:0]
	for _, n := range g.Nodes {
		if n.Op != graphir.OpIdentity && n.Op != graphir.OpDropout {
			kept = append(kept, n)
			continue
		}
		in, out := n.Inputs[0], n.Outputs[0]
		if !isGraphOutput(g, out) {
			replaceUses(g, out, in)
			continue
		}
		p := in.Producer
		if p == nil || isGraphOutput(g, in) {
			kept = append(kept, n) // input is a graph input or constant: keep the copy
			continue
		}
		for i, v := range p.Outputs {
			if v == in {
				p.Outputs[i] = out
			}
		}
		out.Producer = p
		replaceUses(g, in, out)
	}
	g.Nodes = kept
}

// foldBatchNorm merges a BatchNormalization into the Conv before it when the
// Conv's output feeds only that BatchNormalization and all parameters are
// constant: W' = W*s, b' = (b-mean)*s + beta with s = gamma/sqrt(var+eps)
// per output channel. A BatchNormalization that cannot merge stays an op.
func foldBatchNorm(g *graphir.Graph) {
	uses := g.Consumers()
	kept := g.Nodes[:0]
	for _, n := range g.Nodes {
		if n.Op != graphir.OpBatchNormalization || !foldBN(g, n, uses) {
			kept = append(kept, n)
		}
	}
	g.Nodes = kept
}

func foldBN(g *graphir.Graph, bn *graphir.Node, uses map[*graphir.Value][]*graphir.Node) bool {
	x := bn.Inputs[0]
	conv := x.Producer
	if conv == nil || conv.Op != graphir.OpConv || len(uses[x]) != 1 || isGraphOutput(g, x) {
		return false
	}
	if len(bn.Outputs) > 1 {
		for _, o := range bn.Outputs[1:] {
			if o != nil {
				return false // training outputs
			}
		}
	}
	for _, v := range bn.Inputs[1:5] {
		if v == nil || v.Const == nil || v.DType != graphir.Float32 {
			return false
		}
	}
	w := conv.In(1)
	if w == nil || w.Const == nil || (conv.In(2) != nil && conv.In(2).Const == nil) {
		return false
	}
	cout := w.Shape[0]
	gamma, beta := bn.Inputs[1].Const.F, bn.Inputs[2].Const.F
	mean, variance := bn.Inputs[3].Const.F, bn.Inputs[4].Const.F
	if len(gamma) != cout || len(beta) != cout || len(mean) != cout || len(variance) != cout {
		return false
	}
	eps := bn.Attrs.Reader().Float("epsilon", 1e-5)
	nw := w.Const.Clone()
	per := len(nw.F) / cout
	nb := make([]float32, cout)
	for c := 0; c < cout; c++ {
		s := float64(gamma[c]) / math.Sqrt(float64(variance[c])+float64(eps))
		for i := c * per; i < (c+1)*per; i++ {
			nw.F[i] = float32(float64(nw.F[i]) * s)
		}
		b := 0.0
		if conv.In(2) != nil {
			b = float64(conv.In(2).Const.F[c])
		}
		nb[c] = float32((b-float64(mean[c]))*s + float64(beta[c]))
	}
	wv := &graphir.Value{Name: w.Name + "_bnfold", DType: graphir.Float32, Shape: nw.Shape, Const: nw}
	bt := graphir.FromFloats(graphir.Shape{cout}, nb)
	bv := &graphir.Value{Name: bn.Name + "_bias", DType: graphir.Float32, Shape: bt.Shape, Const: bt}
	for len(conv.Inputs) < 3 {
		conv.Inputs = append(conv.Inputs, nil)
	}
	conv.Inputs[1], conv.Inputs[2] = wv, bv
	out := bn.Outputs[0]
	conv.Outputs[0] = out
	out.Producer = conv
	return true
}

// dropDead removes nodes none of whose outputs reach a graph output.
func dropDead(g *graphir.Graph) {
	live := map[*graphir.Value]bool{}
	for _, v := range g.Outputs {
		live[v] = true
	}
	keep := make([]bool, len(g.Nodes))
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		n := g.Nodes[i]
		for _, o := range n.Outputs {
			if o != nil && live[o] {
				keep[i] = true
			}
		}
		if keep[i] {
			for _, in := range n.Inputs {
				if in != nil {
					live[in] = true
				}
			}
		}
	}
	kept := g.Nodes[:0]
	for i, n := range g.Nodes {
		if keep[i] {
			kept = append(kept, n)
		}
	}
	g.Nodes = kept
}

// finish runs the import passes on a freshly built graph.
func finish(g *graphir.Graph, opts Options) error {
	if err := inferAndFold(g, !opts.KeepUnfolded); err != nil {
		return err
	}
	dropIdentities(g)
	if !opts.KeepUnfolded {
		foldBatchNorm(g)
		gemmFromMatMulAdd(g)
		for _, n := range g.Nodes {
			globalPoolFromReduce(n)
		}
	}
	dropDead(g)
	trimOptionalOutputs(g)
	// Costs change when batch-norm merges; inference is idempotent on
	// normalised attributes, so run it once more for every node.
	for _, n := range g.Nodes {
		if err := graphir.InferNode(n); err != nil {
			return err
		}
	}
	return g.Validate()
}
