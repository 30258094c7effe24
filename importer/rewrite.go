package importer

import (
	"github.com/edgectl/edgectl/graphir"
)

// trimOptionalOutputs drops optional trailing outputs nobody reads (MaxPool's
// Indices, Dropout's mask, BatchNormalization's training statistics), so
// fast kernels that compute only the main output can take the node.
func trimOptionalOutputs(g *graphir.Graph) {
	uses := g.Consumers()
	for _, n := range g.Nodes {
		switch n.Op {
		case graphir.OpMaxPool, graphir.OpDropout, graphir.OpBatchNormalization:
		default:
			continue
		}
		for i := 1; i < len(n.Outputs); i++ {
			if v := n.Outputs[i]; v != nil && len(uses[v]) == 0 && !isGraphOutput(g, v) {
				n.Outputs[i] = nil
			}
		}
		for len(n.Outputs) > 1 && n.Outputs[len(n.Outputs)-1] == nil {
			n.Outputs = n.Outputs[:len(n.Outputs)-1]
		}
	}
}

// globalPoolFromReduce rewrites ReduceMean/ReduceMax over exactly the two
// spatial axes of a 4-D tensor with keepdims=1 (how exporters write adaptive
// pooling to 1x1) into GlobalAveragePool/GlobalMaxPool: the same values,
// and an op that fast kernels and the partitioner know.
func globalPoolFromReduce(n *graphir.Node) {
	if n.Op != graphir.OpReduceMean && n.Op != graphir.OpReduceMax {
		return
	}
	in := n.In(0)
	if in == nil || len(in.Shape) != 4 || in.DType != graphir.Float32 {
		return
	}
	r := n.Attrs.Reader()
	axes := r.Ints("axes", nil)
	if r.Int("keepdims", 1) != 1 || len(axes) != 2 || axes[0] != 2 || axes[1] != 3 || r.Err() != nil {
		return
	}
	if n.Op == graphir.OpReduceMean {
		n.Op = graphir.OpGlobalAveragePool
	} else {
		n.Op = graphir.OpGlobalMaxPool
	}
	n.Inputs = n.Inputs[:1]
	n.Attrs = graphir.Attrs{}
}

// gemmFromMatMulAdd merges y = MatMul(a, B) + c, with a 2-D, B a constant
// matrix and c a constant row (or scalar) into Gemm(a, B, c) when the MatMul's
// output feeds only the Add. Exporters write Linear layers this way.
func gemmFromMatMulAdd(g *graphir.Graph) {
	uses := g.Consumers()
	kept := g.Nodes[:0]
	for _, n := range g.Nodes {
		if n.Op != graphir.OpAdd || !mergeMatMulAdd(g, n, uses) {
			kept = append(kept, n)
		}
	}
	g.Nodes = kept
}

func mergeMatMulAdd(g *graphir.Graph, add *graphir.Node, uses map[*graphir.Value][]*graphir.Node) bool {
	for side := 0; side < 2; side++ {
		x, c := add.Inputs[side], add.Inputs[1-side]
		mm := x.Producer
		if mm == nil || mm.Op != graphir.OpMatMul || len(uses[x]) != 1 || isGraphOutput(g, x) || c.Const == nil {
			continue
		}
		a, b := mm.Inputs[0], mm.Inputs[1]
		if len(a.Shape) != 2 || len(b.Shape) != 2 || b.Const == nil || a.DType != graphir.Float32 {
			continue
		}
		n := b.Shape[1]
		if c.DType != graphir.Float32 || !(c.Shape.Size() == 1 || (c.Shape.Size() == n && c.Shape[len(c.Shape)-1] == n)) || len(c.Shape) > 2 {
			continue
		}
		if len(c.Shape) == 2 && c.Shape[0] != 1 {
			continue
		}
		mm.Op = graphir.OpGemm
		mm.Attrs = graphir.Attrs{}
		mm.Inputs = []*graphir.Value{a, b, c}
		out := add.Outputs[0]
		mm.Outputs[0] = out
		out.Producer = mm
		return true
	}
	return false
}
