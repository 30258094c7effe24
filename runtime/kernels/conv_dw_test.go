package kernels_test

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels"
	"github.com/edgectl/edgectl/runtime/kernels/kerneltest"
)

// mobileNetV2DW are MobileNetV2's depthwise 3x3 convolutions (224x224
// input), each with a fused Clip(0, 6): channels, input size, stride, and
// how many times the model has it.
var mobileNetV2DW = []struct {
	name               string
	c, size, stride, n int
}{
	{"f1_32x112", 32, 112, 1, 1}, {"f2_96x112s2", 96, 112, 2, 1}, {"f3_144x56", 144, 56, 1, 1},
	{"f4_144x56s2", 144, 56, 2, 1}, {"f5_192x28", 192, 28, 1, 2}, {"f7_192x28s2", 192, 28, 2, 1},
	{"f8_384x14", 384, 14, 1, 3}, {"f11_576x14", 576, 14, 1, 3}, {"f14_576x14s2", 576, 14, 2, 1},
	{"f15_960x7", 960, 7, 1, 3},
}

// BenchmarkMobileNetV2Depthwise times each depthwise layer of MobileNetV2
// on one thread through the fast kernel (asm tier, else Go) and, as
// .../ref, through the reference kernel:
//
//	go test -run '^$' -bench 'MobileNetV2Depthwise' ./runtime/kernels/
func BenchmarkMobileNetV2Depthwise(b *testing.B) {
	prep := kernels.PrepareAsm(graphir.OpConv)
	if !kernels.HaveAsm() {
		prep = kernels.PrepareGo(graphir.OpConv)
	}
	for _, l := range mobileNetV2DW {
		s := kerneltest.ConvSpec{N: 1, C: l.c, H: l.size, W: l.size, M: l.c, KH: 3, KW: 3, SH: l.stride, SW: l.stride,
			DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: l.c, Bias: true, Act: "Clip", Lo: 0, Hi: 6}
		n, in, out := specNode(b, s)
		o := l.size / l.stride
		flops := 2 * 9 * float64(l.c*o*o)
		for _, tier := range []string{"fast", "ref"} {
			b.Run(l.name+"/"+tier, func(b *testing.B) {
				k := kernels.ConvReference
				if tier == "fast" {
					var err error
					if k, err = prep(n, kernelapi.Env{Threads: 1}); err != nil || k == nil {
						b.Fatalf("prepare: %v", err)
					}
				}
				b.ResetTimer()
				cpu0 := cpuTime()
				for i := 0; i < b.N; i++ {
					if err := k(n, in, out); err != nil {
						b.Fatal(err)
					}
				}
				report(b, flops, cpu0)
			})
		}
	}
}

// BenchmarkMobileNetV2DepthwisePlanar compares, layer by layer on one
// thread, the planar 3x3 path (conv_dw3.go) with the interleaved one
// (conv_dw8.go) that serves where the tier has no planar kernel: the two
// kernels run in turn, each timed by its thread's CPU time, and the
// metrics are each one's microseconds per run and interleaved/planar:
//
//	go test -run '^$' -bench 'MobileNetV2DepthwisePlanar' ./runtime/kernels/
func BenchmarkMobileNetV2DepthwisePlanar(b *testing.B) {
	if !kernels.HaveAsm() {
		b.Skip("no assembly tier: no planar path")
	}
	prep := kernels.PrepareAsm(graphir.OpConv)
	for _, l := range mobileNetV2DW {
		s := kerneltest.ConvSpec{N: 1, C: l.c, H: l.size, W: l.size, M: l.c, KH: 3, KW: 3, SH: l.stride, SW: l.stride,
			DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: l.c, Bias: true, Act: "Clip", Lo: 0, Hi: 6}
		n, in, out := specNode(b, s)
		b.Run(l.name, func(b *testing.B) {
			var ks [2]kernelapi.Kernel // planar, interleaved
			saved := *kernels.DW3MinWidth
			for i, w := range []int{saved, 1 << 30} {
				*kernels.DW3MinWidth = w
				k, err := prep(n, kernelapi.Env{Threads: 1})
				if err != nil || k == nil {
					b.Fatalf("prepare: %v", err)
				}
				ks[i] = k
			}
			*kernels.DW3MinWidth = saved
			cpuTime()
			var spent [2]time.Duration
			for i := 0; i < b.N; i++ {
				for j, k := range ks {
					t0 := threadCPUTime()
					if err := k(n, in, out); err != nil {
						b.Fatal(err)
					}
					spent[j] += threadCPUTime() - t0
				}
			}
			us := func(d time.Duration) float64 { return d.Seconds() * 1e6 / float64(b.N) }
			b.ReportMetric(us(spent[0]), "planar-us")
			b.ReportMetric(us(spent[1]), "interleaved-us")
			b.ReportMetric(float64(spent[1])/float64(spent[0]), "speedup")
		})
	}
}

// specNode infers the node of s with random inputs and returns it with
// its inputs and an output tensor.
func specNode(b *testing.B, s kerneltest.ConvSpec) (*graphir.Node, []*graphir.Tensor, []*graphir.Tensor) {
	c := s.Case(rand.New(rand.NewSource(1)))
	n := &graphir.Node{Name: s.String(), Op: graphir.OpConv, Opset: 18, Attrs: c.Attrs.Clone()}
	for i, x := range c.In {
		v := &graphir.Value{Name: fmt.Sprint("in", i), DType: graphir.Float32, Shape: x.Shape}
		if i > 0 {
			v.Const = x
		}
		n.Inputs = append(n.Inputs, v)
	}
	n.Outputs = []*graphir.Value{{Name: "y"}}
	if err := graphir.InferNode(n); err != nil {
		b.Fatal(err)
	}
	return n, c.In, []*graphir.Tensor{graphir.NewTensor(graphir.Float32, n.Outputs[0].Shape)}
}
