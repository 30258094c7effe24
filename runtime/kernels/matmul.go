package kernels

import (
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/internal/scratch"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels/internal/gemm"
	"github.com/edgectl/edgectl/runtime/kernels/internal/par"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

// gemvRows is the largest M that runs as matrix-vector products: with so
// few rows the product is bound by reading B, which they read once.
const gemvRows = 4

// prepareGemm takes every float32 Gemm except alpha = 0 and beta = 0 with
// a C input (where the reference's 0*Inf = NaN matters).
func prepareGemm(n *graphir.Node, env kernelapi.Env, ops *simd.Ops) (kernelapi.Kernel, error) {
	if !floatIn(n, 0) || !floatIn(n, 1) || (n.In(2) != nil && !floatIn(n, 2)) {
		return nil, nil
	}
	alpha, beta := n.Attrs["alpha"].Float, n.Attrs["beta"].Float
	if alpha == 0 || (beta == 0 && n.In(2) != nil) {
		return nil, nil
	}
	transA, transB := n.Attrs["transA"].Int != 0, n.Attrs["transB"].Int != 0
	threads := env.Threads
	return func(_ *graphir.Node, in, out []*graphir.Tensor) error {
		a, b, y := in[0], in[1], out[0]
		M, N := y.Shape[0], y.Shape[1]
		K := a.Shape[1]
		if transA {
			K = a.Shape[0]
		}
		A := gemm.Matrix{Data: a.F, RowStride: K, ColStride: 1, Scale: alpha}
		if transA {
			A = gemm.Matrix{Data: a.F, RowStride: 1, ColStride: M, Scale: alpha}
		}
		B := gemm.Matrix{Data: b.F, RowStride: N, ColStride: 1}
		if transB {
			B = gemm.Matrix{Data: b.F, RowStride: 1, ColStride: K}
		}
		p := &gemm.Problem{M: M, N: N, K: K, A: A, B: B, C: y.F, LDC: N}
		if len(in) > 2 && in[2] != nil {
			gemmBias(p, in[2], beta)
		}
		multiply(p, ops, threads)
		return nil
	}, nil
}

// gemmBias sets p's epilogue to add beta*C broadcast to [M, N]: a vector
// along rows or columns becomes a bias, a full matrix prefills Y.
func gemmBias(p *gemm.Problem, c *graphir.Tensor, beta float32) {
	s := c.Shape
	rowsVary := len(s) == 2 && s[0] != 1
	colsVary := (len(s) == 1 && s[0] != 1) || (len(s) == 2 && s[1] != 1)
	switch {
	case rowsVary && colsVary:
		for i := 0; i < p.M; i++ {
			for j := 0; j < p.N; j++ {
				p.C[i*p.LDC+j] = beta * c.F[i*p.N+j]
			}
		}
		p.Accumulate = true
	case rowsVary:
		p.RowBias = make([]float32, p.M)
		for i := range p.RowBias {
			p.RowBias[i] = beta * c.F[i]
		}
	default:
		p.ColBias = make([]float32, p.N)
		for j := range p.ColBias {
			if colsVary {
				p.ColBias[j] = beta * c.F[j]
			} else {
				p.ColBias[j] = beta * c.F[0]
			}
		}
	}
}

// prepareMatMul takes every float32 MatMul.
func prepareMatMul(n *graphir.Node, env kernelapi.Env, ops *simd.Ops) (kernelapi.Kernel, error) {
	if !floatIn(n, 0) || !floatIn(n, 1) {
		return nil, nil
	}
	threads := env.Threads
	return func(_ *graphir.Node, in, out []*graphir.Tensor) error {
		a, b, y := in[0], in[1], out[0]
		l, err := graphir.NewMatMulLayout(a.Shape, b.Shape)
		if err != nil {
			return err
		}
		M, K, N := l.M, l.K, l.N
		for bi := range l.AOff {
			aOff, bOff := l.AOff[bi], l.BOff[bi]
			p := &gemm.Problem{M: M, N: N, K: K,
				A: gemm.Matrix{Data: a.F[aOff : aOff+M*K], RowStride: K, ColStride: 1},
				B: gemm.Matrix{Data: b.F[bOff : bOff+K*N], RowStride: N, ColStride: 1},
				C: y.F[bi*M*N : (bi+1)*M*N], LDC: N}
			multiply(p, ops, threads)
		}
		return nil
	}, nil
}

// multiply runs p through the packed GEMM, or for very few rows of plain
// (unscaled-or-scaled) matrices as matrix-vector products.
func multiply(p *gemm.Problem, ops *simd.Ops, threads int) {
	A, aok := p.A.(gemm.Matrix)
	B, bok := p.B.(gemm.Matrix)
	if !aok || !bok || p.M > gemvRows || p.K == 0 {
		gemm.Run(p, ops, threads)
		return
	}
	gemv(p, A, B, ops, threads)
}

// gemv computes each of the few rows of C: as dot products with the
// columns of B when they are contiguous (B transposed), else as a sum of
// scaled rows of B. Threads split the columns.
func gemv(p *gemm.Problem, A, B gemm.Matrix, ops *simd.Ops, threads int) {
	scale := A.Scale
	if scale == 0 {
		scale = 1
	}
	var arow []float32
	if scale == 1 && A.ColStride == 1 && (p.M == 1 || A.RowStride == p.K) {
		arow = A.Data[:p.M*p.K] // A's rows as they are: no copy
	} else {
		buf, _ := scratch.Get(p.M * p.K)
		defer scratch.Put(buf)
		arow = *buf
		for i := 0; i < p.M; i++ {
			for k := 0; k < p.K; k++ {
				arow[i*p.K+k] = scale * A.Data[i*A.RowStride+k*A.ColStride]
			}
		}
	}
	threads = par.Chunks(threads, float64(p.M*p.N*p.K), 1<<16)
	align := 16
	par.For(threads, threads, func(t int) {
		j0, j1 := par.Range(p.N, threads, align, t)
		if j0 >= j1 {
			return
		}
		for i := 0; i < p.M; i++ {
			c := p.C[i*p.LDC+j0 : i*p.LDC+j1]
			a := arow[i*p.K : (i+1)*p.K]
			switch {
			case B.RowStride == 1: // column j of B is B.Data[j*ColStride:][:K]
				for j := j0; j < j1; j++ {
					v := ops.Dot(a, B.Data[j*B.ColStride:j*B.ColStride+p.K])
					if p.Accumulate {
						v += c[j-j0]
					}
					c[j-j0] = v
				}
			case B.ColStride == 1:
				if !p.Accumulate {
					clear(c)
				}
				for k, av := range a {
					ops.Axpy(c, B.Data[k*B.RowStride+j0:k*B.RowStride+j1], av)
				}
			default:
				for j := j0; j < j1; j++ {
					var v float32
					for k, av := range a {
						v += av * B.Data[k*B.RowStride+j*B.ColStride]
					}
					if p.Accumulate {
						v += c[j-j0]
					}
					c[j-j0] = v
				}
			}
			flags := 0
			var rb, cb []float32
			if p.RowBias != nil {
				flags, rb = flags|simd.FlagRowBias, p.RowBias[i:i+1]
			}
			if p.ColBias != nil {
				flags, cb = flags|simd.FlagColBias, p.ColBias[j0:j1]
			}
			flags |= p.Act << simd.ActShift
			simd.Epilogue(c, len(c), 1, len(c), flags, rb, cb, &p.Params)
			if p.Post != nil {
				p.Post(c)
			}
		}
	})
}
