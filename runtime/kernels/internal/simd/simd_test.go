package simd

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"testing"
)

// guard is the bit pattern of the NaN filling guard zones; a kernel that
// writes past its output (even a NaN) changes it.
const guard = 0x7fc0dead

const pad = 24 // guard elements on each side

// guarded returns a slice of n elements inside NaN guard zones; the
// elements themselves are NaN too when fill is nil, else copies of fill.
func guarded(n int, fill []float32) (buf, s []float32) {
	buf = make([]float32, n+2*pad)
	for i := range buf {
		buf[i] = math.Float32frombits(guard)
	}
	s = buf[pad : pad+n : pad+n]
	copy(s, fill)
	return buf, s
}

func checkGuards(t *testing.T, buf []float32, n int) {
	t.Helper()
	for i := range buf {
		if (i < pad || i >= pad+n) && math.Float32bits(buf[i]) != guard {
			t.Fatalf("guard element %d (of %d + 2*%d) overwritten with %g", i, n, pad, buf[i])
		}
	}
}

func randVals(r *rand.Rand, n int, special bool) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 4*r.Float32() - 2
		if special && r.Intn(8) == 0 {
			s[i] = []float32{float32(math.NaN()), 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1))}[r.Intn(5)]
		}
	}
	return s
}

func same(a, b float32) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	if a == b {
		return true
	}
	return math.Abs(float64(a-b)) <= 1e-6*math.Max(1, math.Abs(float64(b)))
}

var lengths = []int{0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 257}

// asmTiers returns every assembly tier this CPU and build run, whatever
// EDGECTL_KERNELS selects. Having none skips the test where the build has
// no assembly by construction (-tags noasm, other architectures); on an
// assembly build it skips too, but under CI=true it fails, so that a
// detection bug cannot silently leave only the Go tier tested.
func asmTiers(t testing.TB) []*Ops {
	t.Helper()
	a := Available()
	if len(a) == 0 {
		missingAsm(t)
	}
	return a
}

func missingAsm(t testing.TB) {
	t.Helper()
	if NoAsmBuild {
		t.Skip("this build has no assembly by construction (-tags noasm, or no amd64/arm64): only the Go tier exists")
	}
	msg := "no assembly tier runs on this CPU (amd64 needs AVX2 and FMA with the OS saving YMM state): only the Go tier would be tested"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// forTiers runs f as a subtest for each assembly tier (asmTiers).
func forTiers(t *testing.T, f func(t *testing.T, a *Ops)) {
	for _, a := range asmTiers(t) {
		t.Run(a.Name, func(t *testing.T) { f(t, a) })
	}
}

func TestAsm_MapsMatchGo(t *testing.T) {
	forTiers(t, func(t *testing.T, a *Ops) {
		g := Go()
		r := rand.New(rand.NewSource(1))
		type mapFn struct {
			name string
			run  func(o *Ops, d, x, y []float32)
		}
		fns := []mapFn{
			{"Clamp", func(o *Ops, d, x, _ []float32) { o.Clamp(d, x, -0.5, 1.25) }},
			{"Relu", func(o *Ops, d, x, _ []float32) { o.Clamp(d, x, 0, float32(math.Inf(1))) }},
			{"Leaky", func(o *Ops, d, x, _ []float32) { o.Leaky(d, x, 0.1) }},
			{"HardSwish", func(o *Ops, d, x, _ []float32) { o.HardSwish(d, x) }},
			{"Add", func(o *Ops, d, x, y []float32) { o.Add(d, x, y) }},
			{"Sub", func(o *Ops, d, x, y []float32) { o.Sub(d, x, y) }},
			{"Mul", func(o *Ops, d, x, y []float32) { o.Mul(d, x, y) }},
			{"Div", func(o *Ops, d, x, y []float32) { o.Div(d, x, y) }},
			{"AddScalar", func(o *Ops, d, x, _ []float32) { o.AddScalar(d, x, 0.75) }},
			{"SubScalar", func(o *Ops, d, x, _ []float32) { o.SubScalar(d, x, 0.75) }},
			{"RSubScalar", func(o *Ops, d, x, _ []float32) { o.RSubScalar(d, x, 0.75) }},
			{"MulScalar", func(o *Ops, d, x, _ []float32) { o.MulScalar(d, x, 0.75) }},
			{"DivScalar", func(o *Ops, d, x, _ []float32) { o.DivScalar(d, x, 0.75) }},
			{"RDivScalar", func(o *Ops, d, x, _ []float32) { o.RDivScalar(d, x, 0.75) }},
			{"Axpy", func(o *Ops, d, x, _ []float32) { o.Axpy(d, x, -1.5) }},
			{"PMax", func(o *Ops, d, x, _ []float32) { o.PMax(d, x) }},
		}
		for _, f := range fns {
			for _, n := range lengths {
				t.Run(fmt.Sprintf("%s/%d", f.name, n), func(t *testing.T) {
					x, y, d0 := randVals(r, n, true), randVals(r, n, true), randVals(r, n, true)
					bx, gx := guarded(n, x)
					by, gy := guarded(n, y)
					bd, gd := guarded(n, d0)
					want := append([]float32(nil), d0...)
					f.run(g, want, x, y)
					f.run(a, gd, gx, gy)
					checkGuards(t, bd, n)
					checkGuards(t, bx, n)
					checkGuards(t, by, n)
					for i := range want {
						if !same(gd[i], want[i]) {
							t.Fatalf("element %d: asm %g, go %g (x %g, y %g, dst %g)", i, gd[i], want[i], x[i], y[i], d0[i])
						}
					}
				})
			}
		}
	})
}

func TestAsm_ReductionsMatchGo(t *testing.T) {
	forTiers(t, func(t *testing.T, a *Ops) {
		g := Go()
		r := rand.New(rand.NewSource(2))
		for _, n := range lengths {
			for _, special := range []bool{false, true} {
				x, y := randVals(r, n, special), randVals(r, n, false)
				if got, want := a.MaxReduce(x), g.MaxReduce(x); !same(got, want) {
					t.Errorf("MaxReduce n=%d: asm %g, go %g", n, got, want)
				}
				if special {
					continue
				}
				tol := float64(n) * 1e-6
				if got, want := a.Sum(x), g.Sum(x); math.Abs(float64(got-want)) > tol {
					t.Errorf("Sum n=%d: asm %g, go %g", n, got, want)
				}
				if got, want := a.Dot(x, y), g.Dot(x, y); math.Abs(float64(got-want)) > tol {
					t.Errorf("Dot n=%d: asm %g, go %g", n, got, want)
				}
			}
		}
	})
}

func TestAsm_MaxPool2x2MatchesGo(t *testing.T) {
	forTiers(t, func(t *testing.T, a *Ops) {
		g := Go()
		r := rand.New(rand.NewSource(3))
		for _, n := range lengths {
			r0, r1 := randVals(r, 2*n, true), randVals(r, 2*n, true)
			b0, g0 := guarded(2*n, r0)
			b1, g1 := guarded(2*n, r1)
			bd, gd := guarded(n, nil)
			want := make([]float32, n)
			g.MaxPool2x2(want, r0, r1)
			a.MaxPool2x2(gd, g0, g1)
			checkGuards(t, bd, n)
			checkGuards(t, b0, 2*n)
			checkGuards(t, b1, 2*n)
			for i := range want {
				if !same(gd[i], want[i]) {
					t.Fatalf("n=%d element %d: asm %g, go %g", n, i, gd[i], want[i])
				}
			}
		}
	})
}

// TestSgemm_AsmMatchesGo runs both micro-kernels on the same panels with
// every flag and activation, C embedded in a NaN-guarded larger matrix.
func TestSgemm_AsmMatchesGo(t *testing.T) {
	forTiers(t, func(t *testing.T, a *Ops) {
		g := Go()
		r := rand.New(rand.NewSource(4))
		acts := []struct {
			act int
			p   []float32
		}{{ActNone, nil}, {ActClamp, []float32{0, float32(math.Inf(1))}}, {ActClamp, []float32{-0.3, 0.4}}, {ActLeaky, []float32{0.2}}, {ActHardSwish, []float32{1.0 / 6, 0.5, 1}}}
		for _, kc := range []int{0, 1, 2, 3, 4, 5, 8, 13, 64, 255} {
			for fl := 0; fl < 8; fl++ {
				mr := 1 + (kc+fl)%MR
				for _, ac := range acts {
					A, B := randVals(r, kc*MR, false), randVals(r, kc*NR, false)
					rb, cb := randVals(r, MR, false), randVals(r, NR, false)
					var prm Params
					prm.Set(ac.p...)
					flags := fl | ac.act<<ActShift
					const ldc = NR + 5
					c0 := randVals(r, MR*ldc, false)
					_, cw := guarded(MR*ldc, c0)
					bg, cg := guarded(MR*ldc, c0)
					var pa, pb *float32
					if kc > 0 {
						pa, pb = &A[0], &B[0]
					}
					g.Sgemm(kc, pa, pb, &cw[0], ldc, mr, flags, &rb[0], &cb[0], &prm)
					a.Sgemm(kc, pa, pb, &cg[0], ldc, mr, flags, &rb[0], &cb[0], &prm)
					checkGuards(t, bg, MR*ldc)
					for i := range cw {
						if j := i % ldc; j >= NR || i/ldc >= mr {
							if math.Float32bits(cg[i]) != math.Float32bits(c0[i]) {
								t.Fatalf("kc=%d flags=%#x: element (%d,%d) outside the tile changed", kc, flags, i/ldc, j)
							}
							continue
						}
						tol := 1e-5 * math.Max(1, math.Abs(float64(cw[i])))
						if d := math.Abs(float64(cg[i] - cw[i])); !(d <= tol) {
							t.Fatalf("kc=%d flags=%#x: C[%d,%d] asm %g, go %g", kc, flags, i/ldc, i%ldc, cg[i], cw[i])
						}
					}
				}
			}
		}
	})
}

// TestSgemm8_MatchesSgemm runs the 6x8 micro-kernel against the 6x16 one
// with every flag and activation: the first 8 columns agree bit for bit,
// the other columns of C stay as they were.
func TestSgemm8_MatchesSgemm(t *testing.T) {
	forTiers(t, func(t *testing.T, a *Ops) {
		if a.Sgemm8 == nil {
			t.Skip("no 6x8 micro-kernel")
		}
		r := rand.New(rand.NewSource(9))
		for _, kc := range []int{0, 1, 3, 4, 5, 9, 64, 307} {
			for fl := 0; fl < 8; fl++ {
				for _, act := range []int{ActNone, ActClamp, ActLeaky, ActHardSwish} {
					A, B := randVals(r, kc*MR, false), randVals(r, kc*NR, false)
					rb, cb := randVals(r, MR, false), randVals(r, NR, false)
					var prm Params
					prm.Set(0.2, 0.7, 1)
					flags := fl | act<<ActShift
					mr := 1 + (kc+fl)%MR
					const ldc = NR + 3
					c0 := randVals(r, MR*ldc, false)
					want, got := append([]float32(nil), c0...), append([]float32(nil), c0...)
					var pa, pb *float32
					if kc > 0 {
						pa, pb = &A[0], &B[0]
					}
					a.Sgemm(kc, pa, pb, &want[0], ldc, mr, flags, &rb[0], &cb[0], &prm)
					a.Sgemm8(kc, pa, pb, &got[0], ldc, mr, flags, &rb[0], &cb[0], &prm)
					for i := range got {
						w := want[i]
						if i%ldc >= 8 || i/ldc >= mr {
							w = c0[i]
						}
						if math.Float32bits(got[i]) != math.Float32bits(w) {
							t.Fatalf("kc=%d flags=%#x: element (%d,%d) %g, want %g", kc, flags, i/ldc, i%ldc, got[i], w)
						}
					}
				}
			}
		}
	})
}

// TestSgemmInd_MatchesPacked runs the in-place micro-kernels (asm and Go)
// on rows scattered over a source and compares with Sgemm on the same rows
// packed, bit for bit, with every flag.
func TestSgemmInd_MatchesPacked(t *testing.T) {
	r := rand.New(rand.NewSource(8))
	impls := []*Ops{Go()}
	for _, a := range asmTiers(t) {
		if a.SgemmInd != nil {
			impls = append(impls, a)
		}
	}
	for _, kc := range []int{1, 2, 3, 4, 5, 7, 8, 64, 301} {
		for fl := 0; fl < 8; fl++ {
			src := randVals(r, 3000, false)
			offs := make([]int32, kc+IndPad)
			packed := make([]float32, kc*NR)
			for k := 0; k < kc; k++ {
				offs[k] = int32(r.Intn(len(src) - NR + 1))
				copy(packed[k*NR:], src[offs[k]:int(offs[k])+NR])
			}
			A := randVals(r, kc*MR, false)
			rb, cb := randVals(r, MR, false), randVals(r, NR, false)
			var prm Params
			prm.Set(0, 0.7)
			flags := fl | ActClamp<<ActShift
			mr := 1 + (kc+fl)%MR
			const ldc = NR + 3
			c0 := randVals(r, MR*ldc, false)
			for _, o := range impls {
				want, got := append([]float32(nil), c0...), append([]float32(nil), c0...)
				o.Sgemm(kc, &A[0], &packed[0], &want[0], ldc, mr, flags, &rb[0], &cb[0], &prm)
				panel := NewIndPanel(src, NewIndRows(offs, kc))
				o.SgemmInd(kc, &A[0], &panel, &got[0], ldc, mr, flags, &rb[0], &cb[0], &prm)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s kc=%d flags=%#x: element %d: in place %g, packed %g", o.Name, kc, flags, i, got[i], want[i])
					}
				}
			}
		}
	}
	panics := func(f func()) (p bool) {
		defer func() { p = recover() != nil }()
		f()
		return false
	}
	pad := func(o ...int32) []int32 { return append(o, make([]int32, IndPad)...) }
	if !panics(func() { NewIndRows(make([]int32, 4), 4) }) {
		t.Error("rows without the prefetch padding accepted")
	}
	if !panics(func() { NewIndRows(pad(-1), 1) }) {
		t.Error("a negative row offset accepted")
	}
	if panics(func() { NewIndPanel(make([]float32, NR+2), NewIndRows(pad(2), 1)) }) {
		t.Error("a row ending at the source's end refused")
	}
	if !panics(func() { NewIndPanel(make([]float32, NR+2), NewIndRows(pad(3), 1)) }) {
		t.Error("a row past the source's end accepted")
	}
}

func TestAsm_PackingMatchesGo(t *testing.T) {
	forTiers(t, func(t *testing.T, a *Ops) {
		g := Go()
		r := rand.New(rand.NewSource(5))
		src := randVals(r, 1000, true)
		const h, w = 10, 20 // five planes of 10x20
		for _, n := range []int{0, 1, 2, 3, 7, 64} {
			offs := make([]int32, n)
			kDY, kDX, kOff := make([]int32, n), make([]int32, n), make([]int32, n)
			for i := range offs {
				offs[i] = int32(r.Intn(len(src) - 2*NR))
				kDY[i], kDX[i] = int32(r.Intn(7)-3), int32(r.Intn(7)-3)
				kOff[i] = int32(r.Intn(5)*h*w) + kDY[i]*w + kDX[i]
			}
			var p PanelCols
			for c := range p.IY {
				p.IY[c], p.IX[c] = int32(r.Intn(h+4)-2), int32(r.Intn(w+4)-2)
				p.Off[c] = p.IY[c]*w + p.IX[c]
				if c == NR-1 {
					p.IY[c], p.Off[c] = Masked, 0
				}
			}
			for _, gather := range []bool{false, true} {
				want := make([]float32, NR*n)
				bd, got := guarded(NR*n, nil)
				if gather {
					g.GatherMasked(want, src, &p, kOff, kDY, kDX, h, w)
					a.GatherMasked(got, src, &p, kOff, kDY, kDX, h, w)
				} else {
					g.PackRows(want, src, offs)
					a.PackRows(got, src, offs)
				}
				checkGuards(t, bd, NR*n)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("gather %v n=%d element %d: asm %g, go %g", gather, n, i, got[i], want[i])
					}
				}
			}
		}
	})
}

// TestPackRowsMasked matches GatherMasked on the same panel (NR columns of
// one row from ix0), for panels across every border and tap rows wholly
// outside, asm and Go.
func TestPackRowsMasked(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	const h, w, planes = 9, 21, 4
	src := randVals(r, planes*h*w, true)
	impls := []*Ops{Go()}
	impls = append(impls, Available()...)
	for trial := 0; trial < 300; trial++ {
		n := r.Intn(40)
		kDY, kDX, kOff := make([]int32, n), make([]int32, n), make([]int32, n)
		for i := range kOff {
			kDY[i], kDX[i] = int32(r.Intn(9)-4), int32(r.Intn(9)-4)
			kOff[i] = int32(r.Intn(planes)*h*w) + kDY[i]*w + kDX[i]
		}
		iy0, ix0 := r.Intn(h+6)-3, r.Intn(w+8)-NR-4
		var p PanelCols
		for c := range p.IY {
			p.IY[c], p.IX[c] = int32(iy0), int32(ix0+c)
			p.Off[c] = int32(iy0*w + ix0 + c)
		}
		want := make([]float32, NR*n)
		gatherMaskedGo(want, src, &p, kOff, kDY, kDX, h, w)
		for _, o := range impls {
			bd, got := guarded(NR*n, nil)
			o.PackRowsMasked(got, src, kOff, kDY, kDX, iy0*w+ix0, iy0, ix0, h, w)
			checkGuards(t, bd, NR*n)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s trial %d (iy0 %d ix0 %d) element %d: %g, want %g", o.Name, trial, iy0, ix0, i, got[i], want[i])
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a plane outside src did not panic")
		}
	}()
	Go().PackRowsMasked(make([]float32, NR), src, []int32{int32(planes * h * w)}, []int32{0}, []int32{0}, 0, 0, 0, h, w)
}

// TestWSum_AsmMatchesGo runs WSum on random taps with offsets reaching the
// first and the last element of src (which lies between NaN guards, as
// does dst), for every tail length.
func TestWSum_AsmMatchesGo(t *testing.T) {
	forTiers(t, func(t *testing.T, a *Ops) {
		g := Go()
		r := rand.New(rand.NewSource(6))
		for _, taps := range []int{0, 1, 2, 9, 25} {
			for _, n := range lengths {
				for _, special := range []bool{false, true} {
					t.Run(fmt.Sprintf("taps%d/n%d/special%v", taps, n, special), func(t *testing.T) {
						m := n + 40
						src := randVals(r, m, special)
						w := randVals(r, taps, false)
						offs := make([]int32, taps)
						for i := range offs {
							offs[i] = int32(r.Intn(m - n + 1))
						}
						if taps > 1 {
							offs[0], offs[1] = 0, int32(m-n)
						}
						bs, gs := guarded(m, src)
						want := make([]float32, n)
						g.WSum(want, src, offs, w, 0.375)
						bd, got := guarded(n, nil)
						a.WSum(got, gs, offs, w, 0.375)
						checkGuards(t, bd, n)
						checkGuards(t, bs, m)
						for i := range want {
							scale := 1.0
							for k, o := range offs {
								scale += math.Abs(float64(w[k] * src[int(o)+i]))
							}
							if d := math.Abs(float64(got[i] - want[i])); !same(got[i], want[i]) && !(d <= 1e-6*scale) {
								t.Fatalf("element %d: asm %g, go %g", i, got[i], want[i])
							}
						}
					})
				}
			}
		}
	})
}

// TestWSum_Go checks the Go WSum against the definition, in float64.
func TestWSum_Go(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	const n, m = 1100, 1200 // more than one block of the Go loop
	src, w := randVals(r, m, false), randVals(r, 5, false)
	offs := []int32{0, 100, 7, 99, 3}
	got := make([]float32, n)
	Go().WSum(got, src, offs, w, -1.25)
	for i := range got {
		want := -1.25
		for k, o := range offs {
			want += float64(w[k]) * float64(src[int(o)+i])
		}
		if math.Abs(float64(got[i])-want) > 1e-5 {
			t.Fatalf("element %d: %g, want %g", i, got[i], want)
		}
	}
}

func TestWSum_PanicsOutOfRange(t *testing.T) {
	ops := []*Ops{Go()}
	ops = append(ops, Available()...)
	for _, o := range ops {
		for name, offs := range map[string][]int32{"past end": {0, 3}, "negative": {-1}} {
			t.Run(o.Name+"/"+name, func(t *testing.T) {
				defer func() {
					if recover() == nil {
						t.Error("no panic")
					}
				}()
				o.WSum(make([]float32, 8), make([]float32, 10), offs, []float32{1, 1}, 0)
			})
		}
	}
}

func TestDeinterleave2_AsmMatchesGo(t *testing.T) {
	forTiers(t, func(t *testing.T, a *Ops) {
		g := Go()
		r := rand.New(rand.NewSource(8))
		for _, n := range append(lengths, 48, 49, 95) {
			src := randVals(r, n, true)
			ne, no := (n+1)/2, n/2
			we, wo := make([]float32, ne), make([]float32, no)
			g.Deinterleave2(we, wo, src)
			for i := range src {
				w := we[i/2]
				if i%2 == 1 {
					w = wo[i/2]
				}
				if math.Float32bits(w) != math.Float32bits(src[i]) {
					t.Fatalf("go n=%d: element %d of src went to %g", n, i, w)
				}
			}
			be, ge := guarded(ne, nil)
			bo, gob := guarded(no, nil)
			bs, gs := guarded(n, src)
			a.Deinterleave2(ge, gob, gs)
			checkGuards(t, be, ne)
			checkGuards(t, bo, no)
			checkGuards(t, bs, n)
			for i := range we {
				if math.Float32bits(ge[i]) != math.Float32bits(we[i]) {
					t.Fatalf("n=%d even[%d]: asm %g, go %g", n, i, ge[i], we[i])
				}
			}
			for i := range wo {
				if math.Float32bits(gob[i]) != math.Float32bits(wo[i]) {
					t.Fatalf("n=%d odd[%d]: asm %g, go %g", n, i, gob[i], wo[i])
				}
			}
		}
	})
}

// TestCopyRows_AsmMatchesGo copies rows of every tail length between
// NaN-guarded planes; the elements between the rows must stay untouched.
func TestCopyRows_AsmMatchesGo(t *testing.T) {
	forTiers(t, func(t *testing.T, a *Ops) {
		g := Go()
		r := rand.New(rand.NewSource(9))
		for _, n := range lengths {
			for _, rows := range []int{0, 1, 3} {
				ds, ss := n+r.Intn(5), n+r.Intn(5)
				dn, sn := 0, 0
				if rows > 0 {
					dn, sn = (rows-1)*ds+n, (rows-1)*ss+n
				}
				src, d0 := randVals(r, sn, true), randVals(r, dn, false)
				want := append([]float32(nil), d0...)
				g.CopyRows(want, src, rows, n, ds, ss)
				bd, got := guarded(dn, d0)
				bs, gs := guarded(sn, src)
				a.CopyRows(got, gs, rows, n, ds, ss)
				checkGuards(t, bd, dn)
				checkGuards(t, bs, sn)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("n=%d rows=%d element %d: asm %g, go %g", n, rows, i, got[i], want[i])
					}
				}
				for i := 0; i < rows; i++ {
					for j := 0; j < n; j++ {
						if math.Float32bits(want[i*ds+j]) != math.Float32bits(src[i*ss+j]) {
							t.Fatalf("go n=%d rows=%d: (%d, %d) not copied", n, rows, i, j)
						}
					}
				}
			}
		}
	})
}

// TestC8_AsmMatchesGo interleaves and de-interleaves rows of every tail
// length between NaN-guarded buffers, with gaps between the rows that must
// stay untouched, and checks the Go loops against the definition.
func TestC8_AsmMatchesGo(t *testing.T) {
	forTiers(t, func(t *testing.T, a *Ops) {
		g := Go()
		r := rand.New(rand.NewSource(10))
		for _, n := range lengths {
			for _, rows := range []int{0, 1, 3} {
				is, prs := 8*n+8*r.Intn(3), n+r.Intn(5) // interleaved and plane row strides
				ps := max(1, rows)*prs + r.Intn(4)      // plane stride
				in, pn := 0, 0
				if rows > 0 && n > 0 {
					in, pn = (rows-1)*is+8*n, 7*ps+(rows-1)*prs+n
				}
				planes, inter := randVals(r, pn, true), randVals(r, in, false)
				want := append([]float32(nil), inter...)
				g.PackC8(want, planes, rows, n, is, prs, ps)
				for i := 0; i < rows; i++ {
					for j := 0; j < n; j++ {
						for l := 0; l < 8; l++ {
							if math.Float32bits(want[i*is+8*j+l]) != math.Float32bits(planes[l*ps+i*prs+j]) {
								t.Fatalf("go pack n=%d rows=%d: (%d, %d, %d) wrong", n, rows, i, j, l)
							}
						}
					}
				}
				bd, got := guarded(in, inter)
				bs, gs := guarded(pn, planes)
				a.PackC8(got, gs, rows, n, is, prs, ps)
				checkGuards(t, bd, in)
				checkGuards(t, bs, pn)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("pack n=%d rows=%d element %d: asm %g, go %g", n, rows, i, got[i], want[i])
					}
				}

				// Back into fresh planes: the packed elements return, the gaps
				// between rows and planes keep their values.
				p0 := randVals(r, pn, false)
				back := append([]float32(nil), p0...)
				g.UnpackC8(back, want, rows, n, prs, is, ps)
				for i := range back {
					l, rest := i/max(ps, 1), i%max(ps, 1)
					row, j := rest/max(prs, 1), rest%max(prs, 1)
					inside := l < 8 && row < rows && j < n
					if w := map[bool]float32{true: planes[i], false: p0[i]}[inside]; math.Float32bits(back[i]) != math.Float32bits(w) {
						t.Fatalf("go unpack n=%d rows=%d element %d (inside %v): %g, want %g", n, rows, i, inside, back[i], w)
					}
				}
				bb, gb := guarded(pn, p0)
				bi, gi := guarded(in, want)
				a.UnpackC8(gb, gi, rows, n, prs, is, ps)
				checkGuards(t, bb, pn)
				checkGuards(t, bi, in)
				for i := range back {
					if math.Float32bits(gb[i]) != math.Float32bits(back[i]) {
						t.Fatalf("unpack n=%d rows=%d element %d: asm %g, go %g", n, rows, i, gb[i], back[i])
					}
				}
			}
		}
	})
}

// TestDWC8_AsmMatchesGo runs DWC8 with random taps at both steps and every
// tail length, with and without clamping, against the Go loop (which does
// not fuse the multiply-add, hence the tolerance) and the Go loop against
// the definition in float64.
func TestDWC8_AsmMatchesGo(t *testing.T) {
	forTiers(t, func(t *testing.T, a *Ops) {
		g := Go()
		if a.DWC8 == nil {
			t.Skip("no DWC8 in this tier")
		}
		r := rand.New(rand.NewSource(11))
		inf := float32(math.Inf(1))
		for _, n := range lengths {
			for _, step := range []int{1, 2} {
				for _, rows := range []int{0, 1, 3} {
					taps := 1 + r.Intn(10)
					offs := make([]int32, taps)
					for i := range offs {
						offs[i] = int32(8 * r.Intn(40))
					}
					if taps > 2 {
						offs[1] += 3 // an offset not on a position boundary
					}
					n8 := (n + 7) &^ 7
					ss, ds := 8*step*n+8*r.Intn(50), 8*n+8*r.Intn(2)
					sn, dn := 0, 0
					if rows > 0 && n > 0 {
						sn, dn = (rows-1)*ss+8*step*(n8-1)+8+8*40+3, (rows-1)*ds+8*n8
					}
					src, w, bias := randVals(r, sn, r.Intn(2) == 0), randVals(r, 8*taps, false), randVals(r, 8, false)
					lo, hi := []float32{-inf, 0, -0.5}[r.Intn(3)], []float32{inf, 6, 1}[r.Intn(3)]
					d0 := randVals(r, dn, false)
					want := append([]float32(nil), d0...)
					g.DWC8(want, src, offs, w, bias, rows, n, ds, ss, step, lo, hi)
					for i := 0; i < rows; i++ {
						for j := 0; j < n8; j++ {
							if i < rows-1 && 8*j >= ds {
								break // overwritten by the next row
							}
							for l := 0; l < 8; l++ {
								s := float64(bias[l])
								for k, o := range offs {
									s += float64(w[8*k+l]) * float64(src[i*ss+int(o)+8*step*j+l])
								}
								s = math.Min(math.Max(s, float64(lo)), float64(hi))
								if !close32(want[i*ds+8*j+l], s) {
									t.Fatalf("go n=%d step=%d rows=%d (%d, %d, %d): %g, want %g", n, step, rows, i, j, l, want[i*ds+8*j+l], s)
								}
							}
						}
					}
					bd, got := guarded(dn, d0)
					bs, gs := guarded(sn, src)
					a.DWC8(got, gs, offs, w, bias, rows, n, ds, ss, step, lo, hi)
					checkGuards(t, bd, dn)
					checkGuards(t, bs, sn)
					for i := range want {
						if !close32(got[i], float64(want[i])) {
							t.Fatalf("n=%d step=%d rows=%d element %d: asm %g, go %g", n, step, rows, i, got[i], want[i])
						}
					}
				}
			}
		}
	})
}

// close32 compares within float32 rounding of a sum of a few terms; NaN
// equals NaN and infinities must match.
func close32(got float32, want float64) bool {
	g := float64(got)
	if math.IsNaN(want) || math.IsNaN(g) {
		return math.IsNaN(want) && math.IsNaN(g)
	}
	if math.IsInf(want, 0) || math.IsInf(g, 0) {
		return g == want
	}
	return math.Abs(g-want) <= 1e-5*(1+math.Abs(want))
}

func TestDWC8_PanicsOutOfRange(t *testing.T) {
	for _, o := range append([]*Ops{Go()}, asmTiers(t)...) {
		if o == nil || o.DWC8 == nil {
			continue
		}
		for name, f := range map[string]func(){
			"offset": func() {
				o.DWC8(make([]float32, 8), make([]float32, 16), []int32{9}, make([]float32, 8), make([]float32, 8), 1, 1, 8, 8, 1, 0, 1)
			},
			"step": func() {
				o.DWC8(make([]float32, 8), make([]float32, 16), []int32{0}, make([]float32, 8), make([]float32, 8), 1, 1, 8, 8, 3, 0, 1)
			},
			"pack": func() { o.PackC8(make([]float32, 16), make([]float32, 15), 1, 2, 16, 2, 2) },
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

// TestConvC16_AsmMatchesGo runs ConvC16 with random taps at both steps and
// every tail length, with and without clamping, against the Go loop (no
// fused multiply-add, hence the tolerance) and the Go loop against the
// definition in float64.
func TestConvC16_AsmMatchesGo(t *testing.T) {
	forTiers(t, func(t *testing.T, a *Ops) {
		g := Go()
		if a.ConvC16 == nil {
			t.Skip("no ConvC16 in this tier")
		}
		r := rand.New(rand.NewSource(12))
		inf := float32(math.Inf(1))
		for _, n := range lengths {
			for _, step := range []int{1, 2} {
				for _, rows := range []int{0, 1, 3} {
					taps := 1 + r.Intn(30)
					offs := make([]int32, taps)
					for i := range offs {
						offs[i] = int32(r.Intn(300))
					}
					np := (n + ConvP - 1) / ConvP * ConvP
					ss, ds := step*n+r.Intn(50), 8*n+8*r.Intn(2)
					sn, gs, dn := 0, 0, 0
					if rows > 0 && n > 0 {
						sn = (rows-1)*ss + step*(np-1) + 1 + 300
						gs = (rows-1)*ds + 8*np + 8*r.Intn(3)
						dn = gs + (rows-1)*ds + 8*np
					}
					src, w, bias := randVals(r, sn, r.Intn(2) == 0), randVals(r, 16*taps, false), randVals(r, 16, false)
					lo, hi := []float32{-inf, 0, -0.5}[r.Intn(3)], []float32{inf, 6, 1}[r.Intn(3)]
					d0 := randVals(r, dn, false)
					want := append([]float32(nil), d0...)
					g.ConvC16(want, src, offs, w, bias, rows, n, ds, ss, gs, step, lo, hi)
					for i := 0; i < rows; i++ {
						for j := 0; j < np; j++ {
							if i < rows-1 && 8*j >= ds {
								break // overwritten by the next row
							}
							for l := 0; l < 16; l++ {
								s := float64(bias[l])
								for k, o := range offs {
									s += float64(w[16*k+l]) * float64(src[i*ss+int(o)+step*j])
								}
								s = math.Min(math.Max(s, float64(lo)), float64(hi))
								at := l/8*gs + i*ds + 8*j + l%8
								if !close32(want[at], s) {
									t.Fatalf("go n=%d step=%d rows=%d (%d, %d, %d): %g, want %g", n, step, rows, i, j, l, want[at], s)
								}
							}
						}
					}
					bd, got := guarded(dn, d0)
					bs, gsrc := guarded(sn, src)
					a.ConvC16(got, gsrc, offs, w, bias, rows, n, ds, ss, gs, step, lo, hi)
					checkGuards(t, bd, dn)
					checkGuards(t, bs, sn)
					for i := range want {
						if !close32(got[i], float64(want[i])) {
							t.Fatalf("n=%d step=%d rows=%d element %d: asm %g, go %g", n, step, rows, i, got[i], want[i])
						}
					}
				}
			}
		}
	})
}

// TestPackRowsN checks PackRowsN against PackRows panel by panel, on both
// tiers, with NaN guards around the destination; the gaps between panels
// stay untouched.
func TestPackRowsN(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	for _, o := range append([]*Ops{Go()}, asmTiers(t)...) {
		if o == nil {
			continue
		}
		for _, panels := range []int{0, 1, 2, 5} {
			for _, rows := range []int{0, 1, 7} {
				offs := make([]int32, rows)
				for k := range offs {
					offs[k] = int32(r.Intn(200))
				}
				src := randVals(r, 200+NR*panels, true)
				stride := NR*rows + r.Intn(20)
				n := 0
				if panels > 0 {
					n = (panels-1)*stride + NR*rows
				}
				d0 := randVals(r, n, false)
				want := append([]float32(nil), d0...)
				for p := 0; p < panels; p++ {
					o.PackRows(want[p*stride:p*stride+NR*rows], src[NR*p:], offs)
				}
				bd, got := guarded(n, d0)
				o.PackRowsN(got, src, offs, panels, stride)
				checkGuards(t, bd, n)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s panels=%d rows=%d element %d: %g, want %g", o.Name, panels, rows, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestGemvPanels_MatchesGo runs each tier's GemvPanels against
// GemvPanelsGo: odd and even k counts (the two-k loop and its single and
// masked last steps), 1 to 9 panels (the four-panel loop and the one-panel
// loop), panels further apart than kc*MR, B rows strided. NaN fills the
// gaps between panels and between B's elements and the backing arrays past
// the slices' ends, so a wrong offset shows in the results (lanes MR..7
// are undefined and not compared).
func TestGemvPanels_MatchesGo(t *testing.T) {
	forTiers(t, func(t *testing.T, o *Ops) {
		if o.GemvPanels == nil {
			t.Skip("no GemvPanels")
		}
		r := rand.New(rand.NewSource(11))
		nan := float32(math.NaN())
		for _, kc := range []int{1, 2, 3, 4, 7, 64, 321} {
			for _, np := range []int{1, 2, 3, 4, 5, 8, 9} {
				for _, gap := range []int{0, 5} {
					for _, bstride := range []int{1, 16, 49} {
						pstride := MR*kc + gap
						na, nb := (np-1)*pstride+MR*kc, (kc-1)*bstride+1
						a, b := make([]float32, na+64), make([]float32, nb+64)
						for i := range a {
							a[i] = nan
						}
						for i := range b {
							b[i] = nan
						}
						for p := 0; p < np; p++ {
							for i := 0; i < MR*kc; i++ {
								a[p*pstride+i] = r.Float32()*2 - 1
							}
						}
						for k := 0; k < kc; k++ {
							b[k*bstride] = r.Float32()*2 - 1
						}
						got, want := make([]float32, 8*np), make([]float32, 8*np)
						o.GemvPanels(kc, a[:na], np, pstride, b[:nb], bstride, got)
						GemvPanelsGo(kc, a[:na], np, pstride, b[:nb], bstride, want)
						for p := 0; p < np; p++ {
							for i := 0; i < MR; i++ {
								g, w := got[8*p+i], want[8*p+i]
								if !(math.Abs(float64(g-w)) <= 1e-5*(1+math.Abs(float64(w)))) {
									t.Fatalf("kc %d np %d gap %d bstride %d: out[%d] = %v, want %v", kc, np, gap, bstride, 8*p+i, g, w)
								}
							}
						}
					}
				}
			}
		}
	})
}
