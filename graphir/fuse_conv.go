package graphir

// Fusion of a convolution's epilogue: an IR rewrite that every backend
// understands through the attributes below. The fast kernels compute the
// epilogue in registers; the reference tier (runtime/kernels.ConvReference)
// and the exporters undo it node by node.

// Attributes of a convolution with a fused activation (FuseConvEpilogues):
// AttrActivation names the op; LeakyRelu keeps its alpha in
// AttrActivationAlpha, Clip its bounds in AttrActivationMin and Max.
const (
	AttrActivation      = "edgectl.activation"
	AttrActivationAlpha = "edgectl.activation_alpha"
	AttrActivationMin   = "edgectl.activation_min"
	AttrActivationMax   = "edgectl.activation_max"
)

// FusableActivations lists the activations FuseConvEpilogues folds into a
// convolution.
var FusableActivations = map[Op]bool{
	OpRelu: true, OpLeakyRelu: true, OpClip: true,
	OpHardSwish: true, OpSigmoid: true,
}

// AttrSum marks a convolution with a fused residual sum
// (FuseConvEpilogues): its input 3 (Z, the shape of the output) is added to
// the convolution's result before the fused activation, as ONNX Runtime's
// FusedConv does.
const AttrSum = "edgectl.sum"

// FuseConvEpilogues returns a graph that computes what g computes with
// each float32 Conv's epilogue folded in:
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
func FuseConvEpilogues(g *Graph, accept func(conv, fused *Node) bool) (*Graph, int) {
	consumers := g.Consumers()
	outputs := map[*Value]bool{}
	for _, v := range g.Outputs {
		outputs[v] = true
	}
	// only returns the one reader of v when v is float32, not a graph
	// output and has exactly one reader not yet fused away.
	removed := map[*Node]bool{}
	only := func(v *Value) *Node {
		rs := consumers[v]
		if outputs[v] || len(rs) != 1 || removed[rs[0]] || v.DType != Float32 {
			return nil
		}
		r := rs[0]
		if len(r.Outputs) != 1 || r.Outputs[0] == nil {
			return nil
		}
		return r
	}
	at := map[*Node]*Node{} // last replaced node -> fused node
	for _, n := range g.Nodes {
		if n.Op != OpConv || len(n.Outputs) != 1 || n.Outputs[0] == nil || removed[n] {
			continue
		}
		if _, done := n.Attrs[AttrActivation]; done {
			continue
		}
		if _, done := n.Attrs[AttrSum]; done {
			continue
		}
		f := &Node{Name: n.Name, Op: n.Op, Opset: n.Opset, Attrs: n.Attrs.Clone(), Cost: n.Cost,
			Inputs: append([]*Value(nil), n.Inputs...)}
		if f.Attrs == nil {
			f.Attrs = Attrs{}
		}
		out, last := n.Outputs[0], n
		if r := only(out); r != nil && r.Op == OpAdd && len(r.Inputs) == 2 && f.Attrs["group"].Int <= 1 {
			z := r.Inputs[0]
			if z == out {
				z = r.Inputs[1]
			}
			if z != nil && z != out && z.DType == Float32 && z.Shape.Equal(out.Shape) && r.Outputs[0].Shape.Equal(out.Shape) {
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
		if a := only(out); a != nil && FusableActivations[a.Op] && a.In(0) == out && constExtras(a) {
			f.Attrs.SetString(AttrActivation, a.Op.String())
			switch a.Op {
			case OpLeakyRelu:
				f.Attrs.SetFloat(AttrActivationAlpha, a.Attrs["alpha"].Float)
			case OpClip:
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
		f.Outputs = []*Value{out}
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
	fused := &Graph{Name: g.Name, Opset: g.Opset, Inputs: g.Inputs, Outputs: g.Outputs}
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
func readersUpTo(consumers map[*Value][]*Node, n, last *Node) []*Node {
	var out []*Node
	for n != last {
		n = consumers[n.Outputs[0]][0]
		out = append(out, n)
	}
	return out
}

// constExtras reports whether an activation's inputs past the first (Clip's
// bounds, folded into attributes at import) are absent or constant.
func constExtras(a *Node) bool {
	for _, in := range a.Inputs[1:] {
		if in != nil && in.Const == nil {
			return false
		}
	}
	return true
}

// FuseActivations fuses g in place (FuseConvEpilogues) and sets the Producer of every
// value a fused node now produces. It returns how many nodes it removed.
func FuseActivations(g *Graph) int {
	f, n := FuseConvEpilogues(g, nil)
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
