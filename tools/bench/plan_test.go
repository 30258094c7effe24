package bench

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/planner/costmodel"
)

// planTimer prices work at a fixed rate: plan time depends on the model,
// the cluster and the search, not on the rates.
type planTimer struct{ gflops float64 }

func (t planTimer) Seconds(n *graphir.Node, w costmodel.Work) float64 {
	if w.FLOPs == 0 && w.InBytes == 0 {
		return 0
	}
	return 50e-6 + w.FLOPs/(t.gflops*1e9) + (w.InBytes+w.OutBytes)/2e9
}

func (t planTimer) SpatialSeconds(n *graphir.Node, out graphir.Rect, ins []graphir.Rect) float64 {
	return t.Seconds(n, costmodel.SpatialWork(n, out, ins))
}

func (t planTimer) ChannelSeconds(n *graphir.Node, lo, hi int) float64 {
	return t.Seconds(n, costmodel.ChannelWork(n, lo, hi))
}

// BenchmarkPlan times the search on full-size zoo models for 8 devices on
// a 100 Mbit/s shared medium (targets: VGG-16 and YOLOv2 at most 100 ms,
// DenseNet-121 at most 1 s). The zoo models are generated into the zoo
// cache on first use.
//
//	go test -run '^$' -bench Plan -benchtime 5x ./tools/bench/
func BenchmarkPlan(b *testing.B) {
	for _, m := range []string{"vgg16", "yolov2", "resnet50", "mobilenet_v2", "densenet121"} {
		path, err := ResolveModel(m, "", os.Stderr)
		if err != nil {
			b.Fatal(err)
		}
		g, err := importer.LoadFile(path, importer.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range []int{4, 8} {
			cl := &planner.Cluster{Net: planner.Network{Shared: true, RTT: 2e-3,
				Link: func(from, to int) planner.Link { return planner.Link{PerMessage: 1e-3, PerByte: 8 / 100e6} }}}
			for i := range n {
				cl.Devices = append(cl.Devices, planner.Device{Name: fmt.Sprint("d", i), Class: "c", Timer: planTimer{2}})
			}
			b.Run(fmt.Sprintf("%s/%d", m, n), func(b *testing.B) {
				cpu0 := processCPU()
				for i := 0; i < b.N; i++ {
					if _, err := planner.Plan(g, cl, planner.Options{}); err != nil {
						b.Fatal(err)
					}
				}
				// CPU time per plan (the process's, GC included): what
				// the wall time would be on an idle machine, which a
				// shared one cannot show.
				if d := processCPU() - cpu0; cpu0 >= 0 {
					b.ReportMetric(float64(d.Milliseconds())/float64(b.N), "cpu-ms/op")
				}
			})
		}
	}
}

// processCPU is this process's user and system CPU time, or -1.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
