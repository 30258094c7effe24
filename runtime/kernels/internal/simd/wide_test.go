package simd

import (
	"math"
	"math/rand"
	"testing"
)

// TestSgemmWide_MatchesGo runs every tier's wide micro-kernel against Go's
// 6x16 one, panel by panel, for every row count, column counts 17..32,
// flags and activations, C inside a NaN-guarded larger matrix.
func TestSgemmWide_MatchesGo(t *testing.T) {
	var wide []*Ops
	for _, a := range asmTiers(t) {
		if a.SgemmWide != nil {
			wide = append(wide, a)
		}
	}
	if len(wide) == 0 {
		t.Skip("no tier here has a wide micro-kernel (only avx512 does)")
	}
	r := rand.New(rand.NewSource(14))
	acts := []struct {
		act int
		p   []float32
	}{{ActNone, nil}, {ActClamp, []float32{0, float32(math.Inf(1))}}, {ActClamp, []float32{-0.3, 0.4}}, {ActLeaky, []float32{0.2}}, {ActHardSwish, []float32{1.0 / 6, 0.5, 1}}}
	for _, o := range wide {
		t.Run(o.Name, func(t *testing.T) {
			for _, kc := range []int{0, 1, 3, 4, 5, 9, 64, 301} {
				for mr := 1; mr <= o.WideRows; mr++ {
					for _, cols := range []int{17, 23, 31, 32} {
						ac := acts[(kc*7+mr+cols)%len(acts)]
						flags := (kc+mr+cols)%8 | ac.act<<ActShift
						if cols < 2*NR {
							flags |= cols << ColsShift
						}
						panels := (mr + MR - 1) / MR
						A, B := randVals(r, kc*MR*panels, false), randVals(r, 2*kc*NR, false)
						rb, cb := randVals(r, o.WideRows, false), randVals(r, 2*NR, false)
						var prm Params
						prm.Set(ac.p...)
						ldc := 2*NR + 3 + mr%5
						n := o.WideRows * ldc
						c0 := randVals(r, n, true)
						// The reference: each B panel as its own (partial) tile.
						want := append([]float32(nil), c0...)
						for j := 0; j < 2; j++ {
							jc := min(NR, cols-NR*j)
							f := flags&(1<<ColsShift-1) | jc<<ColsShift
							var pb *float32
							if kc > 0 {
								pb = &B[j*kc*NR]
							}
							tallGo(kc, A, B[j*kc*NR:], want[NR*j:], ldc, mr, f, rb, cb[NR*j:], &prm)
							_ = pb
						}
						bg, got := guarded(n, c0)
						var pa, pb *float32
						if kc > 0 {
							pa, pb = &A[0], &B[0]
						}
						o.SgemmWide(kc, pa, pb, &got[0], ldc, mr, flags, &rb[0], &cb[0], &prm)
						checkGuards(t, bg, n)
						for i := range got {
							if i%ldc >= cols || i/ldc >= mr {
								if math.Float32bits(got[i]) != math.Float32bits(c0[i]) {
									t.Fatalf("kc=%d mr=%d cols=%d: element (%d,%d) outside the tile changed", kc, mr, cols, i/ldc, i%ldc)
								}
								continue
							}
							tol := 1e-5*math.Max(1, math.Abs(float64(want[i]))) + 1e-6*float64(kc)
							if !same(got[i], want[i]) && !(math.Abs(float64(got[i]-want[i])) <= tol) {
								t.Fatalf("kc=%d mr=%d cols=%d flags=%#x: C[%d,%d] = %g, go %g", kc, mr, cols, flags, i/ldc, i%ldc, got[i], want[i])
							}
						}
					}
				}
			}
		})
	}
}
