package simd

import (
	"math"
	"math/rand"
	"testing"
)

// tallGo is the plain reference of SgemmTall: Go's Sgemm on each A panel,
// into a whole tile whose first cols columns are copied (0: all of them).
func tallGo(kc int, a, b, c []float32, ldc, mr, flags int, rb, cb []float32, prm *Params) {
	cols := (flags >> ColsShift) & 31
	if cols == 0 {
		cols = NR
	}
	flags &= 1<<ColsShift - 1
	tile := make([]float32, MR*NR)
	for p := 0; p*MR < mr; p++ {
		rows := min(MR, mr-p*MR)
		for r := 0; r < rows; r++ {
			copy(tile[r*NR:r*NR+cols], c[(p*MR+r)*ldc:])
		}
		var pa, pb *float32
		if kc > 0 {
			pa, pb = &a[p*kc*MR], &b[0]
		}
		cbFull := make([]float32, NR)
		copy(cbFull, cb[:cols])
		Go().Sgemm(kc, pa, pb, &tile[0], NR, rows, flags, &rb[p*MR], &cbFull[0], prm)
		for r := 0; r < rows; r++ {
			copy(c[(p*MR+r)*ldc:(p*MR+r)*ldc+cols], tile[r*NR:])
		}
	}
}

// TestSgemmTall_MatchesGo runs every tier's tall micro-kernel (packed and
// in place) against Go's 6x16 one panel by panel, for every row count,
// flag and activation, C inside a NaN-guarded larger matrix: the tile
// agrees within rounding, everything else of C is left alone.
func TestSgemmTall_MatchesGo(t *testing.T) {
	var tall []*Ops
	for _, a := range asmTiers(t) {
		if a.SgemmTall != nil {
			tall = append(tall, a)
		}
	}
	if len(tall) == 0 {
		t.Skip("no tier here has a tall micro-kernel (only avx512 does)")
	}
	r := rand.New(rand.NewSource(11))
	acts := []struct {
		act int
		p   []float32
	}{{ActNone, nil}, {ActClamp, []float32{0, float32(math.Inf(1))}}, {ActClamp, []float32{-0.3, 0.4}}, {ActLeaky, []float32{0.2}}, {ActHardSwish, []float32{1.0 / 6, 0.5, 1}}}
	for _, o := range tall {
		t.Run(o.Name, func(t *testing.T) {
			maxRows := o.TallRows
			for _, kc := range []int{0, 1, 3, 4, 5, 9, 64, 301} {
				for mr := 1; mr <= maxRows; mr++ {
					fl := (kc + mr) % 8
					ac := acts[(kc*7+mr)%len(acts)]
					panels := (mr + MR - 1) / MR
					A, B := randVals(r, kc*MR*panels, false), randVals(r, kc*NR, false)
					rb, cb := randVals(r, maxRows, false), randVals(r, NR, false)
					var prm Params
					prm.Set(ac.p...)
					flags := fl | ac.act<<ActShift
					cols := NR
					if mr%3 != 0 { // a partial panel: its columns in the flags
						cols = 1 + (kc+mr)%(NR-1)
						flags |= cols << ColsShift
					}
					ldc := NR + 3 + mr%5
					n := maxRows * ldc
					c0 := randVals(r, n, true)
					want := append([]float32(nil), c0...)
					tallGo(kc, A, B, want, ldc, mr, flags, rb, cb, &prm)
					check := func(how string, got []float32) {
						t.Helper()
						for i := range got {
							if i%ldc >= cols || i/ldc >= mr {
								if math.Float32bits(got[i]) != math.Float32bits(c0[i]) {
									t.Fatalf("%s kc=%d mr=%d: element (%d,%d) outside the tile changed", how, kc, mr, i/ldc, i%ldc)
								}
								continue
							}
							// FMA against Go's rounding: error grows with kc (|a*b| <= 4).
							tol := 1e-5*math.Max(1, math.Abs(float64(want[i]))) + 1e-6*float64(kc)
							if !same(got[i], want[i]) && !(math.Abs(float64(got[i]-want[i])) <= tol) {
								t.Fatalf("%s kc=%d mr=%d flags=%#x: C[%d,%d] = %g, go %g", how, kc, mr, flags, i/ldc, i%ldc, got[i], want[i])
							}
						}
					}
					bg, got := guarded(n, c0)
					var pa, pb *float32
					if kc > 0 {
						pa, pb = &A[0], &B[0]
					}
					o.SgemmTall(kc, pa, pb, &got[0], ldc, mr, flags, &rb[0], &cb[0], &prm)
					checkGuards(t, bg, n)
					check("packed", got)
					if o.SgemmTallInd == nil || kc == 0 {
						continue
					}
					// The same B rows scattered over a source, read in place.
					src := randVals(r, 4000, false)
					offs := make([]int32, kc+IndPad)
					for k := 0; k < kc; k++ {
						offs[k] = int32(r.Intn(len(src) - NR + 1))
						copy(src[offs[k]:], B[k*NR:k*NR+NR])
					}
					// Later rows may have overwritten earlier ones: read back.
					for k := 0; k < kc; k++ {
						copy(B[k*NR:k*NR+NR], src[offs[k]:])
					}
					want = append(want[:0], c0...)
					tallGo(kc, A, B, want, ldc, mr, flags, rb, cb, &prm)
					bg, got = guarded(n, c0)
					panel := NewIndPanel(src, NewIndRows(offs, kc))
					o.SgemmTallInd(kc, &A[0], &panel, &got[0], ldc, mr, flags, &rb[0], &cb[0], &prm)
					checkGuards(t, bg, n)
					check("in place", got)
				}
			}
		})
	}
}
