package simd

import (
	"math"
	"math/rand"
	"testing"
)

// TestDW3S1_AsmMatchesGo runs DW3S1 on planes of every width class (one
// vector and a tail, several, narrower than one) and row ranges of every
// block size, with NaN, infinities and signed zeros in the input and with
// and without clamping, against DW3S1Go (which does not fuse the
// multiply-add, hence the tolerance), and DW3S1Go against the definition
// in float64. Guard zones around dst, src and zero catch any access past
// them, and dst's rows outside [y0, y1) must keep their values.
func TestDW3S1_AsmMatchesGo(t *testing.T) {
	forTiers(t, func(t *testing.T, a *Ops) {
		if a.DW3S1 == nil {
			t.Skip("no DW3S1 in this tier")
		}
		r := rand.New(rand.NewSource(13))
		inf := float32(math.Inf(1))
		for _, wd := range []int{1, 2, 7, 14, 15, 16, 17, 28, 31, 32, 33, 34, 56, 63, 112} {
			for _, h := range []int{1, 2, 3, 4, 5, 7, 9, 14} {
				y0 := r.Intn(h)
				y1 := y0 + r.Intn(h-y0+1)
				if r.Intn(3) == 0 {
					y0, y1 = 0, h
				}
				src, w := randVals(r, h*wd, true), randVals(r, 9, false)
				bias := 4*r.Float32() - 2
				lo, hi := []float32{-inf, 0, -0.5}[r.Intn(3)], []float32{inf, 6, 1}[r.Intn(3)]
				d0 := randVals(r, h*wd, false)
				want := append([]float32(nil), d0...)
				zero := make([]float32, wd)
				DW3S1Go(want, src, zero, w, h, wd, y0, y1, bias, lo, hi)
				for y := 0; y < h; y++ {
					for x := 0; x < wd; x++ {
						if y < y0 || y >= y1 {
							if math.Float32bits(want[y*wd+x]) != math.Float32bits(d0[y*wd+x]) {
								t.Fatalf("go %dx%d rows [%d,%d): row %d written", h, wd, y0, y1, y)
							}
							continue
						}
						s := float64(bias)
						for ky := 0; ky < 3; ky++ {
							for kx := 0; kx < 3; kx++ {
								if ry, cx := y+ky-1, x+kx-1; ry >= 0 && ry < h && cx >= 0 && cx < wd {
									s += float64(w[3*ky+kx]) * float64(src[ry*wd+cx])
								}
							}
						}
						s = math.Min(math.Max(s, float64(lo)), float64(hi))
						if math.IsNaN(float64(want[y*wd+x])) && !math.IsNaN(s) && (lo > -inf || hi < inf) {
							s = math.NaN() // math.Max drops NaN where the kernels keep it
						}
						if !close32(want[y*wd+x], s) {
							t.Fatalf("go %dx%d (%d, %d): %g, want %g", h, wd, y, x, want[y*wd+x], s)
						}
					}
				}
				bd, got := guarded(h*wd, d0)
				bs, gs := guarded(h*wd, src)
				bz, gz := guarded(wd, zero)
				a.DW3S1(got, gs, gz, w, h, wd, y0, y1, bias, lo, hi)
				checkGuards(t, bd, h*wd)
				checkGuards(t, bs, h*wd)
				checkGuards(t, bz, wd)
				for i := range want {
					if !close32(got[i], float64(want[i])) {
						t.Fatalf("%dx%d rows [%d,%d) element (%d, %d): asm %g, go %g", h, wd, y0, y1, i/wd, i%wd, got[i], want[i])
					}
				}
			}
		}
	})
}

func TestDW3S1_PanicsOutOfRange(t *testing.T) {
	for _, o := range append([]*Ops{{Name: "go", DW3S1: DW3S1Go}}, asmTiers(t)...) {
		if o.DW3S1 == nil {
			continue
		}
		for name, f := range map[string]func(){
			"short src": func() {
				o.DW3S1(make([]float32, 12), make([]float32, 11), make([]float32, 4), make([]float32, 9), 3, 4, 0, 3, 0, 0, 1)
			},
			"short zero": func() {
				o.DW3S1(make([]float32, 12), make([]float32, 12), make([]float32, 3), make([]float32, 9), 3, 4, 0, 3, 0, 0, 1)
			},
			"rows": func() {
				o.DW3S1(make([]float32, 12), make([]float32, 12), make([]float32, 4), make([]float32, 9), 3, 4, 1, 4, 0, 0, 1)
			},
			"short dst": func() {
				o.DW3S1(make([]float32, 3), make([]float32, 12), make([]float32, 4), make([]float32, 9), 3, 4, 0, 2, 0, 0, 1)
			},
			"taps": func() {
				o.DW3S1(make([]float32, 12), make([]float32, 12), make([]float32, 4), make([]float32, 8), 3, 4, 0, 3, 0, 0, 1)
			},
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s %s: no panic", o.Name, name)
					}
				}()
				f()
			}()
		}
	}
}
