package simd

import (
	"math"
	"math/rand"
	"testing"
)

// TestWino_AsmMatchesGo runs every tier's fused Winograd transforms
// against WinoInGo and WinoOutGo for tile counts across the 16-tile
// blocks, odd output widths, one and two output rows and clamps, inside
// NaN guard zones: the same values (the same order of operations), and
// nothing written outside.
func TestWino_AsmMatchesGo(t *testing.T) {
	var tiers []*Ops
	for _, a := range asmTiers(t) {
		if a.WinoIn != nil {
			tiers = append(tiers, a)
		}
	}
	if len(tiers) == 0 {
		t.Skip("no tier here has fused Winograd transforms (only avx512 does)")
	}
	r := rand.New(rand.NewSource(12))
	inf := float32(math.Inf(1))
	for _, o := range tiers {
		t.Run(o.Name, func(t *testing.T) {
			for _, tw := range []int{1, 2, 5, 15, 16, 17, 28, 31, 32, 33, 56} {
				// Input transform.
				wp := 2*tw + 2 + r.Intn(3)
				vstride := tw + r.Intn(20)
				src := randVals(r, 4*wp+2*tw+WinoInSlack, true)
				nv := 15*vstride + tw
				want := make([]float32, nv)
				for i := range want {
					want[i] = math.Float32frombits(guard)
				}
				WinoInGo(want, vstride, src, wp, tw)
				bg, got := guarded(nv, nil)
				o.WinoIn(got, vstride, src, wp, tw)
				checkGuards(t, bg, nv)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !same(got[i], want[i]) {
						t.Fatalf("in tw=%d: v[%d] = %g, go %g", tw, i, got[i], want[i])
					}
				}
				// Output transform.
				for _, ow := range []int{2 * tw, 2*tw - 1} {
					if ow < 1 {
						continue
					}
					for rows := 1; rows <= 2; rows++ {
						mstride := tw + r.Intn(20)
						m := randVals(r, 15*mstride+tw, true)
						bias := 2*r.Float32() - 1
						lo, hi := float32(math.Inf(-1)), inf
						if r.Intn(2) == 0 {
							lo, hi = 0, 0.5+r.Float32()
						}
						ny := rows * ow
						_, want := guarded(ny, nil)
						WinoOutGo(want, ow, rows, m, mstride, tw, bias, lo, hi)
						bg, got := guarded(ny, nil)
						o.WinoOut(got, ow, rows, m, mstride, tw, bias, lo, hi)
						checkGuards(t, bg, ny)
						for i := range got {
							if !same(got[i], want[i]) || (got[i] == got[i]) != (want[i] == want[i]) {
								t.Fatalf("out tw=%d ow=%d rows=%d: y[%d] = %g, go %g", tw, ow, rows, i, got[i], want[i])
							}
						}
					}
				}
			}
		})
	}
}

// TestWinoGo checks the reference transforms against the definitions
// V = B'dB and Y = A'MA in float64, on random tiles.
func TestWinoGo(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	Bt := [4][4]float64{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}}
	At := [2][4]float64{{1, 1, 1, 0}, {0, 1, -1, -1}}
	const tw = 3
	wp := 2*tw + 2
	src := randVals(r, 4*wp+2*tw+WinoInSlack, false)
	v := make([]float32, 16*tw)
	WinoInGo(v, tw, src, wp, tw)
	for tt := 0; tt < tw; tt++ {
		for xi := 0; xi < 4; xi++ {
			for nu := 0; nu < 4; nu++ {
				s := 0.0
				for i := 0; i < 4; i++ {
					for j := 0; j < 4; j++ {
						s += Bt[xi][i] * float64(src[i*wp+2*tt+j]) * Bt[nu][j]
					}
				}
				if got := v[(4*xi+nu)*tw+tt]; math.Abs(float64(got)-s) > 1e-5 {
					t.Fatalf("V[%d][%d] of tile %d = %g, want %g", xi, nu, tt, got, s)
				}
			}
		}
	}
	m := randVals(r, 16*tw, false)
	y := make([]float32, 2*2*tw)
	WinoOutGo(y, 2*tw, 2, m, tw, tw, 0.25, float32(math.Inf(-1)), float32(math.Inf(1)))
	for tt := 0; tt < tw; tt++ {
		for a := 0; a < 2; a++ {
			for b := 0; b < 2; b++ {
				s := 0.25
				for i := 0; i < 4; i++ {
					for j := 0; j < 4; j++ {
						s += At[a][i] * float64(m[(4*i+j)*tw+tt]) * At[b][j]
					}
				}
				if got := y[a*2*tw+2*tt+b]; math.Abs(float64(got)-s) > 1e-5 {
					t.Fatalf("Y[%d][%d] of tile %d = %g, want %g", a, b, tt, got, s)
				}
			}
		}
	}
}
