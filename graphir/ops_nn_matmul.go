package graphir

import "fmt"

func init() {
	RegisterOp(OpGemm, OpInfo{Infer: inferGemm, FLOPs: gemmFLOPs})
	RegisterOp(OpMatMul, OpInfo{Infer: inferMatMul, FLOPs: matMulFLOPs})
}

// inferGemm checks Y = alpha*op(A)*op(B) + beta*C and normalises transA,
// transB (0 or 1), alpha and beta. C is optional and broadcasts to [M, N].
func inferGemm(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 2, 3); err != nil {
		return nil, err
	}
	a, err := nnFloatIn(n, 0, "A")
	if err != nil {
		return nil, err
	}
	b, err := nnFloatIn(n, 1, "B")
	if err != nil {
		return nil, err
	}
	r := n.Attrs.Reader()
	transA := r.Int("transA", 0)
	transB := r.Int("transB", 0)
	alpha := r.Float("alpha", 1)
	beta := r.Float("beta", 1)
	if err := r.Err(); err != nil {
		return nil, err
	}
	if len(a.Shape) != 2 || len(b.Shape) != 2 {
		return nil, fmt.Errorf("inputs must be matrices, have shapes %v and %v", a.Shape, b.Shape)
	}
	m, k := a.Shape[0], a.Shape[1]
	if transA != 0 {
		m, k = k, m
	}
	kb, nn := b.Shape[0], b.Shape[1]
	if transB != 0 {
		kb, nn = nn, kb
	}
	if k != kb {
		return nil, fmt.Errorf("inner dimensions differ: A %v (transA %d), B %v (transB %d)", a.Shape, transA, b.Shape, transB)
	}
	if n.In(2) != nil {
		c, err := nnFloatIn(n, 2, "C")
		if err != nil {
			return nil, err
		}
		if len(c.Shape) > 2 {
			return nil, fmt.Errorf("C shape %v has rank above 2", c.Shape)
		}
		want := Shape{m, nn}[2-len(c.Shape):]
		for i, d := range c.Shape {
			if d != 1 && d != want[i] {
				return nil, fmt.Errorf("C shape %v does not broadcast to [%d %d]", c.Shape, m, nn)
			}
		}
	}
	nnAttrs(n).SetInt("transA", nnBool(transA))
	n.Attrs.SetInt("transB", nnBool(transB))
	n.Attrs.SetFloat("alpha", alpha)
	n.Attrs.SetFloat("beta", beta)
	delete(n.Attrs, "broadcast")
	return []ValueType{{Float32, Shape{m, nn}}}, nil
}

func nnBool(v int64) int64 {
	if v != 0 {
		return 1
	}
	return 0
}

// gemmFLOPs is 2*M*N*K, plus two per output for the scaled C.
func gemmFLOPs(n *Node) int64 {
	a := n.In(0)
	k := a.Shape[1]
	if n.Attrs["transA"].Int != 0 {
		k = a.Shape[0]
	}
	f := 2 * nnOutSize(n) * int64(k)
	if n.In(2) != nil {
		f += 2 * nnOutSize(n)
	}
	return f
}

// inferMatMul follows numpy matmul: a 1-D A gets a leading 1 and a 1-D B a
// trailing 1, both removed from the result; batch axes broadcast.
func inferMatMul(n *Node) ([]ValueType, error) {
	if err := NeedInputs(n, 2, 2); err != nil {
		return nil, err
	}
	a, err := nnFloatIn(n, 0, "A")
	if err != nil {
		return nil, err
	}
	b, err := nnFloatIn(n, 1, "B")
	if err != nil {
		return nil, err
	}
	if len(a.Shape) == 0 || len(b.Shape) == 0 {
		return nil, fmt.Errorf("inputs must have rank at least 1, have shapes %v and %v", a.Shape, b.Shape)
	}
	as, bs := a.Shape, b.Shape
	if len(as) == 1 {
		as = Shape{1, as[0]}
	}
	if len(bs) == 1 {
		bs = Shape{bs[0], 1}
	}
	m, k := as[len(as)-2], as[len(as)-1]
	kb, nn := bs[len(bs)-2], bs[len(bs)-1]
	if k != kb {
		return nil, fmt.Errorf("inner dimensions differ: A %v, B %v", a.Shape, b.Shape)
	}
	batch, err := Broadcast(as[:len(as)-2], bs[:len(bs)-2])
	if err != nil {
		return nil, fmt.Errorf("batch axes: %w", err)
	}
	shape := batch
	if len(a.Shape) > 1 {
		shape = append(shape, m)
	}
	if len(b.Shape) > 1 {
		shape = append(shape, nn)
	}
	return []ValueType{{Float32, shape}}, nil
}

// matMulFLOPs is 2*K per output element.
func matMulFLOPs(n *Node) int64 {
	a := n.In(0)
	return 2 * nnOutSize(n) * int64(a.Shape[len(a.Shape)-1])
}
