package kernels

import (
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/ref"
)

// FuseActivations folds each float32 Relu, LeakyRelu, Clip, HardSwish or
// Sigmoid that is the only reader of a Conv's output (and whose input is
// not a graph output) into the Conv: the Conv then produces the
// activation's output value and carries AttrActivation (and its
// parameters). It returns how many nodes it removed.
//
// Kernels that run a fused Conv must honour the attribute: the ones here
// do, and ConvReference is the reference behaviour (runtime/ref's Conv
// kernel does not know the attribute).
func FuseActivations(g *graphir.Graph) int {
	consumers := g.Consumers()
	outputs := map[*graphir.Value]bool{}
	for _, v := range g.Outputs {
		outputs[v] = true
	}
	removed := map[*graphir.Node]bool{}
	for _, n := range g.Nodes {
		if n.Op != graphir.OpConv || len(n.Outputs) != 1 || n.Outputs[0] == nil {
			continue
		}
		if _, done := n.Attrs[AttrActivation]; done {
			continue
		}
		y := n.Outputs[0]
		readers := consumers[y]
		if outputs[y] || len(readers) != 1 {
			continue
		}
		act := readers[0]
		if !fusable[act.Op] || len(act.Outputs) != 1 || act.Outputs[0] == nil || act.In(0) != y || y.DType != graphir.Float32 {
			continue
		}
		if len(act.Inputs) > 1 { // Clip's bounds were folded into attributes
			extra := false
			for _, in := range act.Inputs[1:] {
				extra = extra || (in != nil && in.Const == nil)
			}
			if extra {
				continue
			}
		}
		if n.Attrs == nil {
			n.Attrs = graphir.Attrs{}
		}
		n.Attrs.SetString(AttrActivation, act.Op.String())
		switch act.Op {
		case graphir.OpLeakyRelu:
			n.Attrs.SetFloat(AttrActivationAlpha, act.Attrs["alpha"].Float)
		case graphir.OpClip:
			n.Attrs.SetFloat(AttrActivationMin, act.Attrs["min"].Float)
			n.Attrs.SetFloat(AttrActivationMax, act.Attrs["max"].Float)
		}
		out := act.Outputs[0]
		out.Producer = n
		n.Outputs[0] = out
		n.Cost.FLOPs += act.Cost.FLOPs
		removed[act] = true
	}
	if len(removed) == 0 {
		return 0
	}
	kept := g.Nodes[:0]
	for _, n := range g.Nodes {
		if !removed[n] {
			kept = append(kept, n)
		}
	}
	for i := len(kept); i < len(g.Nodes); i++ {
		g.Nodes[i] = nil
	}
	g.Nodes = kept
	return len(removed)
}

// ConvReference is the reference behaviour of a Conv that may carry a
// fused activation: runtime/ref's Conv kernel, then the activation computed
// as runtime/ref's kernel for that op computes it.
func ConvReference(n *graphir.Node, in, out []*graphir.Tensor) error {
	conv, _ := ref.Lookup(graphir.OpConv)
	if err := conv(n, in, out); err != nil {
		return err
	}
	act, err := activationOf(n)
	if err != nil || act.op == graphir.OpInvalid {
		return err
	}
	an := &graphir.Node{Name: n.Name, Op: act.op, Opset: n.Opset, Attrs: graphir.Attrs{}}
	switch act.op {
	case graphir.OpLeakyRelu:
		an.Attrs.SetFloat("alpha", act.alpha)
	case graphir.OpClip:
		an.Attrs.SetFloat("min", act.lo)
		an.Attrs.SetFloat("max", act.hi)
	}
	k, _ := ref.Lookup(act.op)
	return k(an, []*graphir.Tensor{out[0]}, out)
}

// PrepareConvReference is a Prepare for the reference tier: it takes only
// Conv nodes with a fused activation and runs ConvReference.
func PrepareConvReference(n *graphir.Node, _ Env) (ref.Kernel, error) {
	if n.Op != graphir.OpConv {
		return nil, nil
	}
	if _, ok := n.Attrs[AttrActivation]; !ok {
		return nil, nil
	}
	if _, err := activationOf(n); err != nil {
		return nil, err
	}
	return ConvReference, nil
}
