package e2e_test

import (
	"context"
	"io"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/runtime/worker/coord"
	"github.com/edgectl/edgectl/runtime/worker/internal/testutil"
)

// frames makes k inputs, each the test input scaled differently, and the
// single-device outputs of each.
func frames(t *testing.T, g *graphir.Graph, in map[string]*graphir.Tensor, k int) ([]map[string]*graphir.Tensor, []map[string]*graphir.Tensor) {
	name := g.Inputs[0].Name
	var ins, wants []map[string]*graphir.Tensor
	for i := range k {
		x := in[name].Clone()
		for j := range x.F {
			x.F[j] *= 1 + 0.05*float32(i)
		}
		f := map[string]*graphir.Tensor{name: x}
		ins = append(ins, f)
		wants = append(wants, testutil.SingleDevice(t, g, f))
	}
	return ins, wants
}

func logTo(t *testing.T) io.Writer {
	if testing.Verbose() {
		return os.Stderr
	}
	return io.Discard
}

// runWithFault runs 20 frames on 3 worker processes and calls fault on
// worker 1 once frame 3 is complete; every frame must still come back
// right, and worker 1 must have been dropped.
func runWithFault(t *testing.T, opts coord.Options, fault func(p *os.Process)) {
	g, in := testutil.Model(t, "resnet18_tiny")
	const n = 20
	ins, wants := frames(t, g, in, n)
	l := local(t, 3, nil)
	plan, err := planner.SimplePlan(g, 3, planner.Grid{Rows: 2, Cols: 2})
	if err != nil {
		t.Fatal(err)
	}
	var done atomic.Int32
	var faulted atomic.Bool
	opts.Log = logTo(t)
	opts.OnFrame = func(k int, _ map[string]*graphir.Tensor) {
		if done.Add(1) >= 3 && faulted.CompareAndSwap(false, true) {
			fault(l.Process(1))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := l.Open(ctx, g, plan, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	outs, rep, err := s.Run(ctx, ins)
	if err != nil {
		t.Fatal(err)
	}
	for k := range n {
		if err := testutil.Compare(g, outs[k], wants[k]); err != nil {
			t.Errorf("frame %d: %v", k, err)
		}
	}
	if !faulted.Load() {
		t.Fatal("the fault was never injected")
	}
	dropped := false
	for _, f := range rep.Failovers {
		dropped = dropped || f.Worker == 1
		if f.Worker != 1 {
			t.Errorf("healthy worker %d was dropped: %s", f.Worker, f.Reason)
		}
	}
	if !dropped {
		t.Errorf("worker 1 was not dropped (failovers %v, retries %d)", rep.Failovers, rep.Retries)
	}
	t.Logf("retries %d, failovers %v", rep.Retries, rep.Failovers)
}

// A worker process killed in the middle of a 20-frame run: its tiles go to
// the two others and all 20 outputs arrive, right.
func TestLocal_WorkerKilledMidRun(t *testing.T) {
	runWithFault(t, coord.Options{}, func(p *os.Process) { p.Kill() })
}

// A worker that stops answering (SIGSTOP) is dropped after the tile
// deadline and a failed health check.
func TestLocal_WorkerStalledMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a tile deadline")
	}
	runWithFault(t, coord.Options{TileTimeout: 2 * time.Second}, func(p *os.Process) { p.Signal(syscall.SIGSTOP) })
}
