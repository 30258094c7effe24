package kernels

import (
	"fmt"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/ref"
)

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

// sumOf reads graphir.AttrSum: whether input 3 is a fused residual sum.
func sumOf(n *graphir.Node) (bool, error) {
	a, ok := n.Attrs[graphir.AttrSum]
	if !ok {
		return false, nil
	}
	if a.Kind != graphir.AttrInt || a.Int != 1 {
		return false, fmt.Errorf("attribute %q must be the int 1", graphir.AttrSum)
	}
	if n.In(3) == nil {
		return false, fmt.Errorf("attribute %q without input 3", graphir.AttrSum)
	}
	return true, nil
}

// PrepareConvReference is a Prepare for the reference tier: it takes only
// Conv nodes with a fused sum or activation and runs ConvReference.
func PrepareConvReference(n *graphir.Node, _ kernelapi.Env) (kernelapi.Kernel, error) {
	if n.Op != graphir.OpConv {
		return nil, nil
	}
	_, act := n.Attrs[graphir.AttrActivation]
	_, sum := n.Attrs[graphir.AttrSum]
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
