package simd

import (
	"fmt"
	"math"
	"math/rand"
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

func asmOrSkip(t testing.TB) *Ops {
	a := Asm()
	if a == nil {
		t.Skip("no assembly in this build or on this CPU")
	}
	return a
}

func TestAsm_MapsMatchGo(t *testing.T) {
	a, g := asmOrSkip(t), Go()
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
}

func TestAsm_ReductionsMatchGo(t *testing.T) {
	a, g := asmOrSkip(t), Go()
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
}

func TestAsm_MaxPool2x2MatchesGo(t *testing.T) {
	a, g := asmOrSkip(t), Go()
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
}

// TestSgemm_AsmMatchesGo runs both micro-kernels on the same panels with
// every flag and activation, C embedded in a NaN-guarded larger matrix.
func TestSgemm_AsmMatchesGo(t *testing.T) {
	a, g := asmOrSkip(t), Go()
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
}

func TestAsm_PackingMatchesGo(t *testing.T) {
	a, g := asmOrSkip(t), Go()
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
}
