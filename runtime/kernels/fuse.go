package kernels

import (
	"fmt"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/ref"
)

// AttrSum marks a convolution with a fused residual sum (Fuse): its input 3
// (Z, the shape of the output) is added to the convolution's result before
// the fused activation, as ONNX Runtime's FusedConv does.
const AttrSum = "edgectl.sum"

// Fuse returns a graph that computes what g computes with each float32
// Conv's epilogue folded in:
//   - Conv -> Relu, LeakyRelu, Clip, HardSwish or Sigmoid: the Conv carries
//     AttrActivation (and its parameters) and produces the activation's
//     output;
//   - Conv -> Add(conv, Z) [-> activation], Z of the output's shape and the
//     Conv ungrouped: the Conv takes Z as input 3, carries AttrSum, and
//     produces the Add's (or the activation's) output.
//
// A Conv output that is a graph output or has another reader stays. g is
// not changed: the fused Convs are new nodes (at the place of the last node
// they replace) and the values are g's, their Producer fields untouched.
// accept, when not nil, may refuse a fusion: it gets the Conv and its fused
// form. It returns the new graph and how many nodes it removed.
func Fuse(g *graphir.Graph, accept func(conv, fused *graphir.Node) bool) (*graphir.Graph, int) {
	consumers := g.Consumers()
	outputs := map[*graphir.Value]bool{}
	for _, v := range g.Outputs {
		outputs[v] = true
	}
	// only returns the one reader of v when v is float32, not a graph
	// output and has exactly one reader not yet fused away.
	removed := map[*graphir.Node]bool{}
	only := func(v *graphir.Value) *graphir.Node {
		rs := consumers[v]
		if outputs[v] || len(rs) != 1 || removed[rs[0]] || v.DType != graphir.Float32 {
			return nil
		}
		r := rs[0]
		if len(r.Outputs) != 1 || r.Outputs[0] == nil {
			return nil
		}
		return r
	}
	at := map[*graphir.Node]*graphir.Node{} // last replaced node -> fused node
	for _, n := range g.Nodes {
		if n.Op != graphir.OpConv || len(n.Outputs) != 1 || n.Outputs[0] == nil || removed[n] {
			continue
		}
		if _, done := n.Attrs[AttrActivation]; done {
			continue
		}
		if _, done := n.Attrs[AttrSum]; done {
			continue
		}
		f := &graphir.Node{Name: n.Name, Op: n.Op, Opset: n.Opset, Attrs: n.Attrs.Clone(), Cost: n.Cost,
			Inputs: append([]*graphir.Value(nil), n.Inputs...)}
		if f.Attrs == nil {
			f.Attrs = graphir.Attrs{}
		}
		out, last := n.Outputs[0], n
		if r := only(out); r != nil && r.Op == graphir.OpAdd && len(r.Inputs) == 2 && f.Attrs["group"].Int <= 1 {
			z := r.Inputs[0]
			if z == out {
				z = r.Inputs[1]
			}
			if z != nil && z != out && z.DType == graphir.Float32 && z.Shape.Equal(out.Shape) && r.Outputs[0].Shape.Equal(out.Shape) {
				for len(f.Inputs) < 3 {
					f.Inputs = append(f.Inputs, nil)
				}
				f.Inputs = append(f.Inputs, z)
				f.Attrs.SetInt(AttrSum, 1)
				f.Cost.FLOPs += r.Cost.FLOPs
				removed[r] = true
				out, last = r.Outputs[0], r
			}
		}
		if a := only(out); a != nil && fusable[a.Op] && a.In(0) == out && constExtras(a) {
			f.Attrs.SetString(AttrActivation, a.Op.String())
			switch a.Op {
			case graphir.OpLeakyRelu:
				f.Attrs.SetFloat(AttrActivationAlpha, a.Attrs["alpha"].Float)
			case graphir.OpClip:
				f.Attrs.SetFloat(AttrActivationMin, a.Attrs["min"].Float)
				f.Attrs.SetFloat(AttrActivationMax, a.Attrs["max"].Float)
			}
			f.Cost.FLOPs += a.Cost.FLOPs
			removed[a] = true
			out, last = a.Outputs[0], a
		}
		if last == n {
			continue
		}
		f.Outputs = []*graphir.Value{out}
		if accept != nil && !accept(n, f) {
			for _, r := range readersUpTo(consumers, n, last) {
				delete(removed, r)
			}
			continue
		}
		removed[n] = true
		at[last] = f
	}
	if len(removed) == 0 {
		return g, 0
	}
	fused := &graphir.Graph{Name: g.Name, Opset: g.Opset, Inputs: g.Inputs, Outputs: g.Outputs}
	count := 0
	for _, n := range g.Nodes {
		if f := at[n]; f != nil {
			fused.Nodes = append(fused.Nodes, f)
			count--
		}
		if removed[n] {
			count++
			continue
		}
		fused.Nodes = append(fused.Nodes, n)
	}
	return fused, count
}

// readersUpTo lists the chain of single readers after n up to last.
func readersUpTo(consumers map[*graphir.Value][]*graphir.Node, n, last *graphir.Node) []*graphir.Node {
	var out []*graphir.Node
	for n != last {
		n = consumers[n.Outputs[0]][0]
		out = append(out, n)
	}
	return out
}

// constExtras reports whether an activation's inputs past the first (Clip's
// bounds, folded into attributes at import) are absent or constant.
func constExtras(a *graphir.Node) bool {
	for _, in := range a.Inputs[1:] {
		if in != nil && in.Const == nil {
			return false
		}
	}
	return true
}

// FuseActivations fuses g in place (Fuse) and sets the Producer of every
// value a fused node now produces. It returns how many nodes it removed.
func FuseActivations(g *graphir.Graph) int {
	f, n := Fuse(g, nil)
	if n == 0 {
		return 0
	}
	g.Nodes = f.Nodes
	for _, node := range g.Nodes {
		for _, v := range node.Outputs {
			if v != nil {
				v.Producer = node
			}
		}
	}
	return n
}

// ConvReference is the reference behaviour of a Conv that may carry a
// fused sum and activation: runtime/ref's Conv kernel, then Z added, then
// the activation computed as runtime/ref's kernel for that op computes it.
func ConvReference(n *graphir.Node, in, out []*graphir.Tensor) error {
	conv, _ := ref.Lookup(graphir.OpConv)
	sum, err := sumOf(n)
	if err != nil {
		return err
	}
	if err := conv(n, in[:min(len(in), 3)], out); err != nil {
		return err
	}
	if sum {
		if len(in) < 4 || in[3] == nil || len(in[3].F) != len(out[0].F) {
			return fmt.Errorf("fused sum: input 3 must have the output's %d elements", len(out[0].F))
		}
		for i, z := range in[3].F {
			out[0].F[i] += z
		}
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

// sumOf reads AttrSum: whether input 3 is a fused residual sum.
func sumOf(n *graphir.Node) (bool, error) {
	a, ok := n.Attrs[AttrSum]
	if !ok {
		return false, nil
	}
	if a.Kind != graphir.AttrInt || a.Int != 1 {
		return false, fmt.Errorf("attribute %q must be the int 1", AttrSum)
	}
	if n.In(3) == nil {
		return false, fmt.Errorf("attribute %q without input 3", AttrSum)
	}
	return true, nil
}

// PrepareConvReference is a Prepare for the reference tier: it takes only
// Conv nodes with a fused sum or activation and runs ConvReference.
func PrepareConvReference(n *graphir.Node, _ Env) (ref.Kernel, error) {
	if n.Op != graphir.OpConv {
		return nil, nil
	}
	_, act := n.Attrs[AttrActivation]
	_, sum := n.Attrs[AttrSum]
	if !act && !sum {
		return nil, nil
	}
	if _, err := activationOf(n); err != nil {
		return nil, err
	}
	if _, err := sumOf(n); err != nil {
		return nil, err
	}
	return ConvReference, nil
}
