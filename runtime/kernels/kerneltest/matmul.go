package kerneltest

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

// Gemm runs the Gemm suite: every transA/transB, alpha and beta, each
// broadcast form of C (none, scalar, [N], [1,N], [M,1], [M,N]), few rows
// (matrix-vector products) and odd sizes.
func Gemm(t *testing.T, prep Prepare) Stats {
	t.Helper()
	r := rand.New(rand.NewSource(3))
	var cases []Case
	sizes := [][3]int{{1, 1, 1}, {1, 37, 300}, {2, 40, 17}, {3, 5, 7}, {4, 70, 33}, {5, 16, 16}, {6, 17, 9}, {13, 33, 65}, {31, 70, 257}, {64, 100, 600}}
	for i := 0; i < 6; i++ {
		sizes = append(sizes, [3]int{1 + r.Intn(40), 1 + r.Intn(60), 1 + r.Intn(200)})
	}
	cShapes := func(M, N int) []graphir.Shape {
		return []graphir.Shape{nil, {}, {N}, {1, N}, {M, 1}, {M, N}, {1}}
	}
	for si, sz := range sizes {
		M, N, K := sz[0], sz[1], sz[2]
		for v := 0; v < 4; v++ {
			transA, transB := v&1, v>>1
			alpha, beta := float32(1), float32(1)
			if (si+v)%3 == 1 {
				alpha, beta = 0.5, -2
			}
			cs := cShapes(M, N)[(si+v)%7]
			ash, bsh := graphir.Shape{M, K}, graphir.Shape{K, N}
			if transA == 1 {
				ash = graphir.Shape{K, M}
			}
			if transB == 1 {
				bsh = graphir.Shape{N, K}
			}
			in := []*graphir.Tensor{Rand(r, ash), Rand(r, bsh)}
			cname := "noC"
			if cs != nil {
				in = append(in, Rand(r, cs))
				cname = fmt.Sprintf("C%v", cs)
			}
			a := graphir.Attrs{"transA": aInt(int64(transA)), "transB": aInt(int64(transB)), "alpha": aFloat(alpha), "beta": aFloat(beta)}
			cases = append(cases, Case{Name: fmt.Sprintf("%dx%dx%d_tA%d_tB%d_a%g_b%g_%s", M, N, K, transA, transB, alpha, beta, cname),
				Op: graphir.OpGemm, Attrs: a, In: in, Const: []bool{false, v%2 == 0, true}, K: K})
		}
	}
	return Run(t, prep, cases)
}

// MatMul runs the MatMul suite: 1-D operands, batches, broadcast batches.
func MatMul(t *testing.T, prep Prepare) Stats {
	t.Helper()
	r := rand.New(rand.NewSource(4))
	pairs := [][2]graphir.Shape{
		{{7}, {7, 5}}, {{4, 7}, {7}}, {{9}, {9}}, {{1, 300}, {300, 70}}, {{3, 20}, {20, 33}},
		{{17, 40}, {40, 23}}, {{2, 5, 6}, {2, 6, 7}}, {{2, 1, 8, 9}, {3, 9, 10}}, {{8, 9}, {2, 9, 4}},
		{{2, 3, 6, 5}, {5, 2}}, {{1, 49, 64}, {64, 31}}, {{0, 3}, {3, 4}}, {{3, 0}, {0, 4}},
	}
	var cases []Case
	for _, p := range pairs {
		K := p[0][len(p[0])-1]
		cases = append(cases, Case{Name: fmt.Sprintf("%vx%v", p[0], p[1]), Op: graphir.OpMatMul,
			In: []*graphir.Tensor{Rand(r, p[0]), Rand(r, p[1])}, Const: []bool{false, true}, K: K})
	}
	return Run(t, prep, cases)
}
