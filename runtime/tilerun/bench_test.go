package tilerun

import (
	"context"
	"testing"

	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/runtime"
)

// Benchmark sizes: VGG-16 (slim) on 4 workers, fused blocks cut 2x2.
const (
	benchModel   = "vgg16_slim"
	benchDevices = 4
	benchGrid    = 2
)

// BenchmarkVGG16_Whole is the single-device run RunLocal is compared with.
func BenchmarkVGG16_Whole(b *testing.B) {
	m := loadModel(b, benchModel)
	e, err := runtime.New(m.g)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := e.Run(context.Background(), m.inputs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVGG16_RunLocal runs SimplePlan's tiles one after another in
// this process (halos recomputed, crops and stitching included).
func BenchmarkVGG16_RunLocal(b *testing.B) {
	m := loadModel(b, benchModel)
	plan, err := planner.SimplePlan(m.g, benchDevices, planner.Grid{Rows: benchGrid, Cols: benchGrid})
	if err != nil {
		b.Fatal(err)
	}
	prog, err := compileProg(m.g, plan, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := runProg(prog, m.inputs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVGG16_Compile measures binding and tracing a plan.
func BenchmarkVGG16_Compile(b *testing.B) {
	m := loadModel(b, benchModel)
	plan, err := planner.SimplePlan(m.g, benchDevices, planner.Grid{Rows: benchGrid, Cols: benchGrid})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := compileProg(m.g, plan, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
