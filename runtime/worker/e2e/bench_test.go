package e2e_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/worker/coord"
	"github.com/edgectl/edgectl/tools/zoo"
)

// Benchmark set-up: full-size zoo models (random weights, seed 1), workers
// pinned to one thread each (--threads 1, GOMAXPROCS=1).
const (
	benchSeed      = 1
	benchWorkers   = 4
	benchPipelined = 8 // frames of the throughput measurement
)

var benchGrid = planner.Grid{Rows: 2, Cols: 2}

// benchGOMAXPROCS is the workers' GOMAXPROCS: 1, or
// $EDGECTL_BENCH_GOMAXPROCS (to see how much a second scheduler thread,
// free to receive and send while the kernel thread computes, helps).
func benchGOMAXPROCS() string {
	if v := os.Getenv("EDGECTL_BENCH_GOMAXPROCS"); v != "" {
		return v
	}
	return "1"
}

// zooModel writes and imports a full-size zoo model, with a fixed input.
func zooModel(b *testing.B, name string) (*graphir.Graph, map[string]*graphir.Tensor) {
	path := filepath.Join(b.TempDir(), name+".onnx")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := zoo.Write(f, name, benchSeed); err != nil {
		b.Fatal(err)
	}
	f.Close()
	g, err := importer.LoadFile(path, importer.Options{})
	if err != nil {
		b.Fatal(err)
	}
	os.Remove(path)
	x := graphir.NewTensor(graphir.Float32, g.Inputs[0].Shape)
	for i := range x.F {
		x.F[i] = float32(i%255)/255 - 0.5
	}
	return g, map[string]*graphir.Tensor{g.Inputs[0].Name: x}
}

// oneThreadWorkers starts n local workers, each pinned to one thread, and
// opens g on them with SimplePlan(n, grid).
func oneThreadWorkers(b *testing.B, g *graphir.Graph, n int, grid planner.Grid, tr *coord.Trace) *coord.Session {
	l := local(b, n, func(o *coord.LocalOptions) {
		o.Threads = 1
		o.Env = append(o.Env, "GOMAXPROCS="+benchGOMAXPROCS())
	})
	plan, err := planner.SimplePlan(g, n, grid)
	if err != nil {
		b.Fatal(err)
	}
	s, err := l.Open(context.Background(), g, plan, coord.Options{Trace: tr})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func frame(b *testing.B, s *coord.Session, in map[string]*graphir.Tensor, k int) *coord.Report {
	ins := make([]map[string]*graphir.Tensor, k)
	for i := range ins {
		ins[i] = in
	}
	_, rep, err := s.Run(context.Background(), ins)
	if err != nil {
		b.Fatal(err)
	}
	return rep
}

// BenchmarkModelLatency runs VGG-16 and YOLOv2 on 4 one-thread workers
// (2x2 tiles per fused block). Each op is one frame's latency on the 4
// workers; measured in the same run are the baselines: one one-thread
// worker running the whole plan (ms-1worker, speedup = ms-1worker /
// ms-4workers) and this process's executor on one thread (ms-inprocess).
// compute, send, wait and queue are the 4-worker jobs' own measurements,
// summed over jobs, per frame; fps-* is throughput with 8 frames in the
// pipeline. The machine has 2 cores: 4 one-thread workers can be at most 2x
// faster than one. $EDGECTL_BENCH_TRACE=DIR writes the 4-worker trace there.
func BenchmarkModelLatency(b *testing.B) {
	for _, name := range []string{"vgg16", "yolov2"} {
		b.Run(name, func(b *testing.B) {
			g, in := zooModel(b, name)
			ex, err := runtime.NewWithOptions(g, runtime.Options{Threads: 1})
			if err != nil {
				b.Fatal(err)
			}
			var tr *coord.Trace
			if os.Getenv("EDGECTL_BENCH_TRACE") != "" {
				tr = coord.NewTrace()
			}
			one := oneThreadWorkers(b, g, 1, planner.Grid{Rows: 1, Cols: 1}, nil)
			four := oneThreadWorkers(b, g, benchWorkers, benchGrid, tr)
			frame(b, one, in, 1) // warm-up: executors built, weights packed
			frame(b, four, in, 1)
			if _, err := ex.Run(context.Background(), in); err != nil {
				b.Fatal(err)
			}

			const baseFrames = 3
			t0 := time.Now()
			for range baseFrames {
				if _, err := ex.Run(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
			inproc := time.Since(t0) / baseFrames
			t0 = time.Now()
			for range baseFrames {
				frame(b, one, in, 1)
			}
			base := time.Since(t0) / baseFrames

			var sum coord.StageReport
			b.ResetTimer()
			for range b.N {
				rep := frame(b, four, in, 1)
				for _, st := range rep.Stages {
					sum.Time += st.Time
					sum.Compute += st.Compute
					sum.Send += st.Send
					sum.Wait += st.Wait
					sum.Queue += st.Queue
					sum.BytesIn += st.BytesIn
				}
			}
			b.StopTimer()
			per := b.Elapsed() / time.Duration(b.N)
			n := time.Duration(b.N)
			ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
			b.ReportMetric(ms(per), "ms-4workers")
			b.ReportMetric(ms(base), "ms-1worker")
			b.ReportMetric(ms(inproc), "ms-inprocess")
			b.ReportMetric(float64(base)/float64(per), "speedup")
			b.ReportMetric(ms(sum.Compute/n), "compute-ms")
			b.ReportMetric(ms(sum.Send/n), "send-ms")
			b.ReportMetric(ms(sum.Wait/n), "wait-ms")
			b.ReportMetric(ms(sum.Queue/n), "queue-ms")
			b.ReportMetric(float64(sum.BytesIn)/1e6/float64(b.N), "MB-moved")

			r1 := frame(b, one, in, benchPipelined)
			r4 := frame(b, four, in, benchPipelined)
			b.ReportMetric(benchPipelined/r1.Wall.Seconds(), "fps-1worker")
			b.ReportMetric(benchPipelined/r4.Wall.Seconds(), "fps-4workers")
			if tr != nil {
				p := filepath.Join(os.Getenv("EDGECTL_BENCH_TRACE"), name+".trace.json")
				if f, err := os.Create(p); err == nil {
					tr.WriteJSON(f)
					f.Close()
				}
			}
			if testing.Verbose() {
				r4.Format(os.Stderr)
				fmt.Fprintln(os.Stderr)
			}
		})
	}
}
