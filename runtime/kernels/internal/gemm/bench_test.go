package gemm

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

// BenchmarkMicroKernel times the micro-kernel alone on L1-resident panels.
func BenchmarkMicroKernel(b *testing.B) {
	for _, ops := range opsUnderTest() {
		b.Run(ops.Name, func(b *testing.B) {
			const kc = 256
			r := rand.New(rand.NewSource(1))
			a, bb := randSlice(r, kc*MR), randSlice(r, kc*NR)
			c := make([]float32, MR*NR)
			var prm simd.Params
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ops.Sgemm(kc, &a[0], &bb[0], &c[0], NR, MR, simd.FlagAccumulate, nil, nil, &prm)
			}
			b.ReportMetric(float64(2*MR*NR*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		if ops.SgemmTall == nil {
			continue
		}
		b.Run(ops.Name+"/tall", func(b *testing.B) {
			const kc = 256
			rows := ops.TallRows
			r := rand.New(rand.NewSource(1))
			a, bb := randSlice(r, kc*rows), randSlice(r, kc*NR)
			c := make([]float32, rows*NR)
			var prm simd.Params
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ops.SgemmTall(kc, &a[0], &bb[0], &c[0], NR, rows, simd.FlagAccumulate, nil, nil, &prm)
			}
			b.ReportMetric(float64(2*rows*NR*kc)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkRun times whole multiplications with prepacked A.
func BenchmarkRun(b *testing.B) {
	for _, sz := range [][3]int{{64, 50176, 576}, {128, 12544, 1152}, {256, 3136, 2304}, {512, 784, 4608}, {512, 196, 4608}} {
		for _, threads := range []int{1, 2} {
			M, N, K := sz[0], sz[1], sz[2]
			b.Run(fmt.Sprintf("%dx%dx%d/t%d", M, N, K, threads), func(b *testing.B) {
				ops := simd.Asm()
				if ops == nil {
					b.Skip("no assembly")
				}
				r := rand.New(rand.NewSource(1))
				a, bb := randSlice(r, M*K), randSlice(r, K*N)
				c := make([]float32, M*N)
				p := &Problem{M: M, N: N, K: K, A: Pack(Matrix{Data: a, RowStride: K, ColStride: 1}, M, K),
					B: Matrix{Data: bb, RowStride: N, ColStride: 1}, C: c, LDC: N}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					Run(p, ops, threads)
				}
				b.ReportMetric(2*float64(M*N*K)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
