package graphir

import "fmt"

func init() {
	RegisterOp(OpBatchNormalization, OpInfo{Infer: inferBatchNorm, FLOPs: nnPerElement(2)})
	RegisterOp(OpInstanceNormalization, OpInfo{Infer: inferInstanceNorm, FLOPs: nnPerElement(6)})
	RegisterOp(OpLRN, OpInfo{Infer: inferLRN, FLOPs: lrnFLOPs})
}

// nnPerElement counts k operations per output element.
func nnPerElement(k int64) func(n *Node) int64 {
	return func(n *Node) int64 { return k * nnOutSize(n) }
}

// nnChannelParams checks that inputs [from, to) are float32 of shape [c].
func nnChannelParams(n *Node, from, to, c int) error {
	names := []string{"", "scale", "bias", "mean", "variance"}
	for i := from; i < to; i++ {
		what := "parameter"
		if i < len(names) {
			what = names[i]
		}
		v, err := nnFloatIn(n, i, what)
		if err != nil {
			return err
		}
		if len(v.Shape) != 1 || v.Shape[0] != c {
			return fmt.Errorf("%s input %q has shape %v, want [%d]", what, v.Name, v.Shape, c)
		}
	}
	return nil
}

// inferBatchNorm accepts inference mode only (training_mode 0, spatial 1)
// and normalises epsilon. The training outputs are not supported.
func inferBatchNorm(n *Node) ([]ValueType, error) {
	x, err := nnDataIn(n, 5, 5, 2)
	if err != nil {
		return nil, err
	}
	r := n.Attrs.Reader()
	eps := r.Float("epsilon", 1e-5)
	spatial := r.Int("spatial", 1)
	training := r.Int("training_mode", 0)
	if err := r.Err(); err != nil {
		return nil, err
	}
	if training != 0 {
		return nil, fmt.Errorf("training_mode %d is not supported", training)
	}
	if spatial != 1 {
		return nil, fmt.Errorf("spatial %d is not supported", spatial)
	}
	if err := nnChannelParams(n, 1, 5, x.Shape[1]); err != nil {
		return nil, err
	}
	nnAttrs(n)
	n.Attrs.SetFloat("epsilon", eps)
	return []ValueType{{Float32, x.Shape.Clone()}}, nil
}

// inferInstanceNorm normalises epsilon.
func inferInstanceNorm(n *Node) ([]ValueType, error) {
	x, err := nnDataIn(n, 3, 3, 3)
	if err != nil {
		return nil, err
	}
	r := n.Attrs.Reader()
	eps := r.Float("epsilon", 1e-5)
	if err := r.Err(); err != nil {
		return nil, err
	}
	if err := nnChannelParams(n, 1, 3, x.Shape[1]); err != nil {
		return nil, err
	}
	nnAttrs(n)
	n.Attrs.SetFloat("epsilon", eps)
	return []ValueType{{Float32, x.Shape.Clone()}}, nil
}

// inferLRN normalises size, alpha, beta and bias.
func inferLRN(n *Node) ([]ValueType, error) {
	x, err := nnDataIn(n, 1, 1, 2)
	if err != nil {
		return nil, err
	}
	r := n.Attrs.Reader()
	if !r.Has("size") {
		return nil, fmt.Errorf("attribute \"size\" is required")
	}
	size := r.Int("size", 0)
	alpha := r.Float("alpha", 1e-4)
	beta := r.Float("beta", 0.75)
	bias := r.Float("bias", 1)
	if err := r.Err(); err != nil {
		return nil, err
	}
	if size < 1 {
		return nil, fmt.Errorf("size %d is not positive", size)
	}
	nnAttrs(n).SetInt("size", size)
	n.Attrs.SetFloat("alpha", alpha)
	n.Attrs.SetFloat("beta", beta)
	n.Attrs.SetFloat("bias", bias)
	return []ValueType{{Float32, x.Shape.Clone()}}, nil
}

// lrnFLOPs: a square-sum over size channels and a power per element.
func lrnFLOPs(n *Node) int64 {
	return nnOutSize(n) * (2*n.Attrs["size"].Int + 4)
}
