package plugins

import (
	"context"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/kernelapi"
)

// BenchmarkConv times VGG-16's conv3_2 at 112x112 input (256->256 channels,
// 28x28) on the native kernel and on the SIMD plugin, trusted and guarded:
//
//	go test -run '^$' -bench Conv -count 6 ./plugins | benchstat -
func BenchmarkConv(b *testing.B) {
	gb, x := newGraph(b, graphir.Shape{1, 256, 28, 28})
	g := gb.done(gb.conv(x, 256, 3, 1, 1, 1))
	in := gb.input()
	path := pluginPath(b, "simd")
	opts, _ := testOptions(b)
	opts.Instances = 0
	guarded, err := Open(path, "", opts)
	if err != nil {
		b.Fatal(err)
	}
	defer guarded.Close()
	opts.Trusted = true
	trusted, err := Open(path, guarded.SHA256(), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer trusted.Close()
	for _, bc := range []struct {
		name  string
		extra map[graphir.Op][]kernelapi.Impl
		ref   bool
	}{
		{"native", nil, false},
		{"plugin-trusted", Impls(trusted), false},
		{"plugin-guarded", Impls(guarded), false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e, err := runtime.NewWithOptions(g, runtime.Options{Extra: bc.extra, Reference: bc.ref})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if _, err := e.Run(ctx, in); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(0)
			b.ReportMetric(float64(g.Nodes[0].Cost.FLOPs)/1e9, "GFLOP/op")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := e.Run(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
