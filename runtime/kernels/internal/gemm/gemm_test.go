package gemm

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

func opsUnderTest() []*simd.Ops {
	return append([]*simd.Ops{simd.Go()}, simd.Available()...)
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*r.Float32() - 1
	}
	return s
}

// refGemm is C = A*B + biases (+ C0 when acc), then act, in float64.
func refGemm(M, N, K int, a, b []float32, c0 []float32, rb, cb []float32, act int, prm *simd.Params) []float64 {
	out := make([]float64, M*N)
	for i := 0; i < M; i++ {
		for j := 0; j < N; j++ {
			s := 0.0
			for k := 0; k < K; k++ {
				s += float64(a[i*K+k]) * float64(b[k*N+j])
			}
			if c0 != nil {
				s += float64(c0[i*N+j])
			}
			if rb != nil {
				s += float64(rb[i])
			}
			if cb != nil {
				s += float64(cb[j])
			}
			switch act {
			case simd.ActClamp:
				s = math.Min(math.Max(s, float64(prm.P(0))), float64(prm.P(1)))
			case simd.ActLeaky:
				if s < 0 {
					s *= float64(prm.P(0))
				}
			case simd.ActHardSwish:
				s = s * math.Max(0, math.Min(1, s/6+0.5))
			}
			out[i*N+j] = s
		}
	}
	return out
}

func TestRun_MatchesReference(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	sizes := [][3]int{{1, 1, 1}, {6, 16, 1}, {7, 17, 3}, {5, 15, 300}, {13, 40, 257}, {64, 100, 64}, {30, 530, 513}, {97, 33, 700}, {2, 3, 0}, {50, 49, 700}, {64, 196, 40}, {30, 20, 5}}
	for i := 0; i < 12; i++ {
		sizes = append(sizes, [3]int{1 + r.Intn(40), 1 + r.Intn(80), 1 + r.Intn(600)})
	}
	for _, ops := range opsUnderTest() {
		for _, sz := range sizes {
			for _, threads := range []int{1, 2, 3} {
				for _, variant := range []int{0, 1, 2, 3} {
					M, N, K := sz[0], sz[1], sz[2]
					name := fmt.Sprintf("%s/%dx%dx%d/t%d/v%d", ops.Name, M, N, K, threads, variant)
					// Every tier gets the same operands for a case.
					seed := int64(((M*1000+N)*1000+K)*16 + threads*4 + variant)
					t.Run(name, func(t *testing.T) {
						checkRun(t, rand.New(rand.NewSource(seed)), ops, M, N, K, threads, variant)
					})
				}
			}
		}
	}
}

func checkRun(t *testing.T, r *rand.Rand, ops *simd.Ops, M, N, K, threads, variant int) {
	a, b := randSlice(r, M*K), randSlice(r, K*N)
	ldc := N + 5
	buf := make([]float32, (M+2)*ldc)
	for i := range buf {
		buf[i] = float32(math.NaN())
	}
	p := &Problem{M: M, N: N, K: K, C: buf[ldc:], LDC: ldc}
	var c0, rb, cb []float32
	switch variant {
	case 0:
		p.A = Matrix{Data: a, RowStride: K, ColStride: 1}
	case 1: // prepacked A, row bias, relu
		p.A = Pack(Matrix{Data: a, RowStride: K, ColStride: 1}, M, K)
		rb = randSlice(r, M)
		p.RowBias, p.Act = rb, simd.ActClamp
		p.Params.Set(0, float32(math.Inf(1)))
	case 2: // transposed A and B views, column bias, accumulate, leaky
		at := make([]float32, K*M)
		for i := 0; i < M; i++ {
			for k := 0; k < K; k++ {
				at[k*M+i] = a[i*K+k]
			}
		}
		p.A = Matrix{Data: at, RowStride: 1, ColStride: M}
		c0 = randSlice(r, M*N)
		for i := 0; i < M; i++ {
			copy(p.C[i*ldc:i*ldc+N], c0[i*N:(i+1)*N])
		}
		p.Accumulate = true
		cb = randSlice(r, N)
		p.ColBias, p.Act = cb, simd.ActLeaky
		p.Params.Set(0.1)
	case 3: // hard-swish, both biases
		p.A = Pack(Matrix{Data: a, RowStride: K, ColStride: 1}, M, K)
		rb, cb = randSlice(r, M), randSlice(r, N)
		p.RowBias, p.ColBias, p.Act = rb, cb, simd.ActHardSwish
		p.Params.Set(1.0/6, 0.5, 1)
	}
	if variant == 2 {
		bt := make([]float32, N*K)
		for k := 0; k < K; k++ {
			for j := 0; j < N; j++ {
				bt[j*K+k] = b[k*N+j]
			}
		}
		p.B = Matrix{Data: bt, RowStride: 1, ColStride: K}
	} else {
		p.B = Matrix{Data: b, RowStride: N, ColStride: 1}
	}
	Run(p, ops, threads)
	want := refGemm(M, N, K, a, b, c0, rb, cb, p.Act, &p.Params)
	for i := -1; i <= M; i++ {
		for j := 0; j < ldc; j++ {
			got := buf[(i+1)*ldc+j]
			if i < 0 || i == M || j >= N {
				if got == got {
					t.Fatalf("guard element (%d, %d) overwritten with %g", i, j, got)
				}
				continue
			}
			w := want[i*N+j]
			if d := math.Abs(float64(got) - w); !(d <= Tolerance(w, K)) {
				t.Fatalf("C[%d, %d] = %g, want %g", i, j, got, w)
			}
		}
	}
}

// Tolerance is 1e-5 relative to max(1, |want|), widened by sqrt(K/256)
// past K = 256: float32 sums of K terms drift as sqrt(K) from the float64
// ones.
func Tolerance(want float64, K int) float64 {
	return 1e-5 * math.Max(1, math.Abs(want)) * math.Max(1, math.Sqrt(float64(K)/256))
}

func TestAliasing(t *testing.T) {
	for _, c := range []struct {
		rows []int32
		want bool
	}{
		{[]int32{0, 112 * 112, 2 * 112 * 112}, true},      // 49 KiB apart
		{[]int32{5, 5 + 224*224, 5 + 2*224*224}, true},    // 196 KiB apart
		{[]int32{0, 56 * 56, 2 * 56 * 56}, false},         // 12.25 KiB apart
		{[]int32{0, 1, 2, 112 * 112, 112*112 + 1}, false}, // 3x3 taps
		{[]int32{7}, false},
	} {
		if got := aliasing(c.rows); got != c.want {
			t.Errorf("aliasing(%v) = %v, want %v", c.rows, got, c.want)
		}
	}
}

// TestRunRows_MatchesRun computes C in row pieces with RunRows and checks
// it against Run's C bit for bit (the same blocks in the same order), the
// rows outside each piece untouched.
func TestRunRows_MatchesRun(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for _, ops := range opsUnderTest() {
		for _, sz := range [][3]int{{512, 16, 512}, {37, 49, 300}, {64, 196, 64}, {13, 5, 700}} {
			M, N, K := sz[0], sz[1], sz[2]
			a, b, rb := randSlice(r, M*K), randSlice(r, K*N), randSlice(r, M)
			p := &Problem{M: M, N: N, K: K, A: Pack(Matrix{Data: a, RowStride: K, ColStride: 1}, M, K),
				B: Matrix{Data: b, RowStride: N, ColStride: 1}, C: make([]float32, M*N), LDC: N, RowBias: rb, Act: simd.ActClamp}
			p.Params.Set(0, 1)
			Run(p, ops, 1)
			want := p.C
			for _, cuts := range []int{1, 2, 3} {
				p.C = make([]float32, M*N)
				for i := range p.C {
					p.C[i] = float32(math.NaN())
				}
				for c := 0; c < cuts; c++ {
					i0 := c * M / cuts / MR * MR
					i1 := M
					if c+1 < cuts {
						i1 = (c + 1) * M / cuts / MR * MR
					}
					RunRows(p, ops, i0, i1)
					for i, v := range p.C[i1*N:] {
						if v == v {
							t.Fatalf("%s %dx%dx%d: rows [%d, %d) wrote C[%d]", ops.Name, M, N, K, i0, i1, i1*N+i)
						}
					}
				}
				for i, v := range p.C {
					if math.Float32bits(v) != math.Float32bits(want[i]) {
						t.Fatalf("%s %dx%dx%d in %d pieces: C[%d] = %g, want %g", ops.Name, M, N, K, cuts, i, v, want[i])
					}
				}
			}
		}
	}
}

// A last panel of one column (a 7x7 image) runs as matrix-vector
// products where the tier has them, so splitting the rows costs less than
// the whole-panel count said: 960x49x160 at 2 threads (AVX-512: NR 16)
// ran in 47 us split by rows, 62 us split by columns.
func TestSplit_NarrowTail(t *testing.T) {
	n := 3*NR + 1
	if tm, tn := Split(960, n, 160, 2, true, 32, true); tm != 2 || tn != 1 {
		t.Errorf("960x%dx160 with a narrow tail: split %dx%d, want 2x1", n, tm, tn)
	}
	if NR == 16 { // the measured case: the whole-panel count split the columns
		if tm, tn := Split(960, 49, 160, 2, true, 32, false); tm != 1 || tn != 2 {
			t.Errorf("960x49x160 without: split %dx%d, want 1x2", tm, tn)
		}
	}
	// A tail wider than NarrowCols, or none, is a whole panel either way.
	for _, n := range []int{12*NR + NarrowCols + 1, 12 * NR, 3*NR + NarrowCols + 1} {
		for _, mk := range [][2]int{{96, 576}, {960, 160}, {320, 960}} {
			tm, tn := Split(mk[0], n, mk[1], 2, true, 32, true)
			wm, wn := Split(mk[0], n, mk[1], 2, true, 32, false)
			if tm != wm || tn != wn {
				t.Errorf("%dx%dx%d: split %dx%d with narrow tails, %dx%d without", mk[0], n, mk[1], tm, tn, wm, wn)
			}
		}
	}
}
