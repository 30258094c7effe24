package runtime

import (
	"context"
	goruntime "runtime"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

// TestRun_LittleGarbage checks that a warm Run of convolutions (Winograd
// and im2col) and a fully-connected layer allocates little: every new page
// of heap costs a page fault, about 15 us in a VM, and VGG-16 used to
// allocate 2.1 MB a run (a Matrix.PackB offset slice per call, a Problem
// per Winograd product, gemv's copy of A), 540 faults a run.
func TestRun_LittleGarbage(t *testing.T) {
	g := &graphir.Graph{}
	x := &graphir.Value{Name: "x", DType: graphir.Float32, Shape: graphir.Shape{1, 64, 28, 28}}
	g.Inputs = []*graphir.Value{x}
	fill := func(name string, shape ...int) *graphir.Value {
		t := graphir.NewTensor(graphir.Float32, graphir.Shape(shape))
		for i := range t.F {
			t.F[i] = float32(i%7-3) / 64
		}
		return &graphir.Value{Name: name, DType: graphir.Float32, Shape: t.Shape, Const: t}
	}
	add := func(op graphir.Op, attrs graphir.Attrs, ins ...*graphir.Value) *graphir.Value {
		out := &graphir.Value{Name: "v" + string(rune('a'+len(g.Nodes)))}
		n := &graphir.Node{Name: "n" + string(rune('a'+len(g.Nodes))), Op: op, Opset: 13, Inputs: ins, Outputs: []*graphir.Value{out}, Attrs: attrs}
		if err := graphir.InferNode(n); err != nil {
			t.Fatal(err)
		}
		g.Nodes = append(g.Nodes, n)
		return out
	}
	conv := func(in *graphir.Value, cin, cout, stride int) *graphir.Value {
		a := graphir.Attrs{}
		a.SetInts("kernel_shape", []int64{3, 3})
		a.SetInts("strides", []int64{int64(stride), int64(stride)})
		a.SetInts("pads", []int64{1, 1, 1, 1})
		return add(graphir.OpRelu, graphir.Attrs{}, add(graphir.OpConv, a, in, fill("w"+string(rune('a'+len(g.Nodes))), cout, cin, 3, 3), fill("b"+string(rune('a'+len(g.Nodes))), cout)))
	}
	y := conv(x, 64, 64, 1) // Winograd
	y = conv(y, 64, 128, 2) // im2col
	y = add(graphir.OpFlatten, graphir.Attrs{}, y)
	gemm := graphir.Attrs{}
	gemm.SetInt("transB", 1)
	y = add(graphir.OpGemm, gemm, y, fill("fc", 256, 128*14*14), fill("fcb", 256))
	g.Outputs = []*graphir.Value{y}

	e, err := NewWithOptions(g, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]*graphir.Tensor{"x": graphir.NewTensor(graphir.Float32, x.Shape)}
	run := func() {
		if _, err := e.Run(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		run()
	}
	const runs = 10
	var m0, m1 goruntime.MemStats
	goruntime.ReadMemStats(&m0)
	for range runs {
		run()
	}
	goruntime.ReadMemStats(&m1)
	perRun := (m1.TotalAlloc - m0.TotalAlloc) / runs
	t.Logf("%d bytes, %d allocations a run", perRun, (m1.Mallocs-m0.Mallocs)/runs)
	if perRun > 16<<10 {
		t.Errorf("a warm Run allocates %d bytes, want at most 16 KB", perRun)
	}
}
