package ref

import "github.com/edgectl/edgectl/graphir"

func init() {
	Register(graphir.OpGemm, gemmKernel)
	Register(graphir.OpMatMul, matMulKernel)
}

// gemmKernel computes y = alpha * op(A) * op(B) + beta * C, C broadcast to
// [M, N]. Sums are accumulated in float64.
func gemmKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	a, b, y := in[0], in[1], out[0]
	transA := n.Attrs["transA"].Int != 0
	transB := n.Attrs["transB"].Int != 0
	alpha := float64(n.Attrs["alpha"].Float)
	beta := float64(n.Attrs["beta"].Float)
	m, cols := y.Shape[0], y.Shape[1]
	k := a.Shape[1]
	if transA {
		k = a.Shape[0]
	}
	var c *graphir.Tensor
	if len(in) > 2 {
		c = in[2]
	}
	for i := 0; i < m; i++ {
		for j := 0; j < cols; j++ {
			sum := 0.0
			for p := 0; p < k; p++ {
				av := a.F[i*k+p]
				if transA {
					av = a.F[p*m+i]
				}
				bv := b.F[p*cols+j]
				if transB {
					bv = b.F[j*k+p]
				}
				sum += float64(av) * float64(bv)
			}
			v := alpha * sum
			if c != nil {
				v += beta * float64(c.F[nnBroadcastIndex(c.Shape, i, j)])
			}
			y.F[i*cols+j] = float32(v)
		}
	}
	return nil
}

// nnBroadcastIndex is the index into a tensor of rank <= 2 broadcast to a
// matrix, for matrix element (i, j).
func nnBroadcastIndex(s graphir.Shape, i, j int) int {
	switch len(s) {
	case 0:
		return 0
	case 1:
		if s[0] == 1 {
			return 0
		}
		return j
	}
	if s[0] == 1 {
		i = 0
	}
	if s[1] == 1 {
		j = 0
	}
	return i*s[1] + j
}

// matMulKernel is numpy matmul: 1-D operands are promoted to matrices and
// batch axes broadcast. Sums are accumulated in float64.
func matMulKernel(_ *graphir.Node, in, out []*graphir.Tensor) error {
	a, b, y := in[0], in[1], out[0]
	l, err := graphir.NewMatMulLayout(a.Shape, b.Shape)
	if err != nil {
		return err
	}
	m, k, cols := l.M, l.K, l.N
	for bi := range l.AOff {
		// This batch's matrices in A and B, and its output matrix.
		aOff, bOff, yOff := l.AOff[bi], l.BOff[bi], bi*m*cols
		for i := 0; i < m; i++ {
			for j := 0; j < cols; j++ {
				sum := 0.0
				for p := 0; p < k; p++ {
					sum += float64(a.F[aOff+i*k+p]) * float64(b.F[bOff+p*cols+j])
				}
				y.F[yOff+i*cols+j] = float32(sum)
			}
		}
	}
	return nil
}
