package costmodel

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// nnls solves min ||A x - b|| subject to x >= 0 by Lawson and Hanson's
// active-set method: a coefficient enters the passive set while the
// gradient says it would lower the residual, each passive set's
// unconstrained least-squares problem is solved by gonum (QR), and a step
// that would make a passive coefficient negative stops at the boundary and
// moves it back to the active set (held at 0). Columns are scaled to unit
// norm first, so FLOPs (1e9) and the constant (1) weigh alike; an all-zero
// column gets 0.
func nnls(a *mat.Dense, b []float64) ([]float64, error) {
	rows, cols := a.Dims()
	if rows != len(b) {
		return nil, errors.New("nnls: rows and right-hand side differ in length")
	}
	scale := make([]float64, cols)
	as := mat.DenseCopyOf(a)
	usable := make([]bool, cols)
	for j := 0; j < cols; j++ {
		col := mat.Col(nil, j, a)
		scale[j] = floats.Norm(col, 2)
		if scale[j] > 0 && !math.IsInf(scale[j], 0) && !math.IsNaN(scale[j]) {
			usable[j] = true
			floats.Scale(1/scale[j], col)
			as.SetCol(j, col)
		}
	}
	bv := mat.NewVecDense(rows, append([]float64(nil), b...))
	x := make([]float64, cols)
	passive := make([]bool, cols)
	w := mat.NewVecDense(cols, nil)
	r := mat.NewVecDense(rows, nil)
	const tol = 1e-10
	for iter := 0; iter < 3*cols+10; iter++ {
		// w = A'(b - Ax): the descent direction of each coefficient.
		r.MulVec(as, mat.NewVecDense(cols, x))
		r.SubVec(bv, r)
		w.MulVec(as.T(), r)
		best, bj := tol, -1
		for j := 0; j < cols; j++ {
			if usable[j] && !passive[j] && w.AtVec(j) > best {
				best, bj = w.AtVec(j), j
			}
		}
		if bj < 0 {
			break
		}
		passive[bj] = true
		for inner := 0; inner < cols+1; inner++ {
			z, err := solvePassive(as, bv, passive)
			if err != nil {
				return nil, err
			}
			ok := true
			for j := range z {
				if passive[j] && z[j] <= 0 {
					ok = false
				}
			}
			if ok {
				x = z
				break
			}
			// Step from x towards z until the first coefficient hits 0.
			alpha := 1.0
			for j := range z {
				if passive[j] && z[j] <= 0 && x[j]-z[j] > 0 {
					alpha = min(alpha, x[j]/(x[j]-z[j]))
				}
			}
			for j := range x {
				x[j] += alpha * (z[j] - x[j])
				if passive[j] && x[j] <= tol {
					passive[j], x[j] = false, 0
				}
			}
		}
	}
	for j := range x {
		if usable[j] {
			x[j] /= scale[j]
		} else {
			x[j] = 0
		}
	}
	return x, nil
}

// solvePassive solves the least-squares problem over the passive columns;
// the others are 0.
func solvePassive(a *mat.Dense, b *mat.VecDense, passive []bool) ([]float64, error) {
	rows, cols := a.Dims()
	var idx []int
	for j := 0; j < cols; j++ {
		if passive[j] {
			idx = append(idx, j)
		}
	}
	z := make([]float64, cols)
	if len(idx) == 0 {
		return z, nil
	}
	sub := mat.NewDense(rows, len(idx), nil)
	for k, j := range idx {
		sub.SetCol(k, mat.Col(nil, j, a))
	}
	var sol mat.VecDense
	if err := sol.SolveVec(sub, b); err != nil {
		// Rank-deficient: the QR solve fails; fall back to the
		// minimum-norm solution from the SVD.
		var svd mat.SVD
		if !svd.Factorize(sub, mat.SVDThin) {
			return nil, errors.New("nnls: least-squares solve failed")
		}
		var m mat.Dense
		svd.SolveTo(&m, mat.NewDense(rows, 1, b.RawVector().Data), svd.Rank(1e-12))
		for k, j := range idx {
			z[j] = m.At(k, 0)
		}
		return z, nil
	}
	for k, j := range idx {
		z[j] = sol.AtVec(k)
	}
	return z, nil
}
