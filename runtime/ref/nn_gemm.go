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
	as, bs := a.Shape, b.Shape
	if len(as) == 1 {
		as = graphir.Shape{1, as[0]}
	}
	if len(bs) == 1 {
		bs = graphir.Shape{bs[0], 1}
	}
	m, k, cols := as[len(as)-2], as[len(as)-1], bs[len(bs)-1]
	aBatch, bBatch := as[:len(as)-2], bs[:len(bs)-2]
	batch, err := graphir.Broadcast(aBatch, bBatch)
	if err != nil {
		return err
	}
	aStride, bStride := nnBroadcastStrides(aBatch, batch), nnBroadcastStrides(bBatch, batch)
	idx := make([]int, len(batch))
	for bi := 0; bi < batch.Size(); bi++ {
		// Offsets of this batch's matrices in A and B.
		aOff, bOff := 0, 0
		for d := range idx {
			aOff += idx[d] * aStride[d]
			bOff += idx[d] * bStride[d]
		}
		aOff *= m * k
		bOff *= k * cols
		yOff := bi * m * cols
		for i := 0; i < m; i++ {
			for j := 0; j < cols; j++ {
				sum := 0.0
				for p := 0; p < k; p++ {
					sum += float64(a.F[aOff+i*k+p]) * float64(b.F[bOff+p*cols+j])
				}
				y.F[yOff+i*cols+j] = float32(sum)
			}
		}
		// Advance the row-major batch index.
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < batch[d] {
				break
			}
			idx[d] = 0
		}
	}
	return nil
}

// nnBroadcastStrides returns, for each axis of the broadcast shape out, the
// element stride of s along it (0 where s is broadcast), counting in units
// of s's own elements. s is right-aligned with out.
func nnBroadcastStrides(s, out graphir.Shape) []int {
	st := make([]int, len(out))
	own := s.Strides()
	off := len(out) - len(s)
	for i := range s {
		if s[i] != 1 {
			st[off+i] = own[i]
		}
	}
	return st
}
