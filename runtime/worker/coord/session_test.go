package coord_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/runtime/worker/coord"
	"github.com/edgectl/edgectl/runtime/worker/internal/testutil"
)

// cluster starts n in-process workers and connects to them.
func cluster(t *testing.T, n int) *coord.Cluster {
	t.Helper()
	tok := testutil.Token()
	ss := testutil.StartServers(t, n, tok, nil)
	c, err := coord.Dial(testutil.Addrs(ss), coord.Auth{Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ctx(t *testing.T, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return c
}

// The distributed run of SimplePlan matches the single-device run, for
// several models, worker counts and grids (3 workers on a 2x2 grid merge
// two neighbouring tiles into one job).
func TestSession_MatchesSingleDevice(t *testing.T) {
	cases := []struct {
		model   string
		workers int
		grid    planner.Grid
	}{
		{"resnet18_tiny", 2, planner.Grid{Rows: 1, Cols: 2}},
		{"resnet18_tiny", 3, planner.Grid{Rows: 2, Cols: 2}},
		{"squeezenet1_1", 4, planner.Grid{Rows: 2, Cols: 2}},
		{"yolov2_tiny_slim", 3, planner.Grid{Rows: 3, Cols: 1}},
		{"mobilenet_v2_w050", 2, planner.Grid{Rows: 2, Cols: 2}},
	}
	if testing.Short() {
		cases = cases[:2]
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%dw/%dx%d", tc.model, tc.workers, tc.grid.Rows, tc.grid.Cols), func(t *testing.T) {
			g, in := testutil.Model(t, tc.model)
			want := testutil.SingleDevice(t, g, in)
			plan, err := planner.SimplePlan(g, tc.workers, tc.grid)
			if err != nil {
				t.Fatal(err)
			}
			c := cluster(t, tc.workers)
			s, err := c.Open(ctx(t, time.Minute), g, plan, coord.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(context.Background())
			outs, rep, err := s.Run(ctx(t, time.Minute), []map[string]*graphir.Tensor{in})
			if err != nil {
				t.Fatal(err)
			}
			if err := testutil.Compare(g, outs[0], want); err != nil {
				t.Fatal(err)
			}
			if rep.Retries != 0 || len(rep.Failovers) != 0 {
				t.Errorf("unexpected retries %d, failovers %v", rep.Retries, rep.Failovers)
			}
		})
	}
}

// Random plans (stage boundaries anywhere, uneven grids, channel splits,
// several tiles of a stage on one worker) match the single-device run.
func TestSession_RandomPlans(t *testing.T) {
	g, in := testutil.Model(t, "resnet18_tiny")
	want := testutil.SingleDevice(t, g, in)
	c := cluster(t, 3)
	n := 6
	if testing.Short() {
		n = 2
	}
	for seed := range n {
		plan, err := planner.RandomPlan(g, rand.New(rand.NewPCG(uint64(seed), 7)), planner.RandomPlanOptions{Devices: 3})
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.Open(ctx(t, time.Minute), g, plan, coord.Options{})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		outs, _, err := s.Run(ctx(t, time.Minute), []map[string]*graphir.Tensor{in})
		s.Close(context.Background())
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if err := testutil.Compare(g, outs[0], want); err != nil {
			t.Fatalf("seed %d (%d stages): %v", seed, len(plan.Stages), err)
		}
	}
}

// Frames with different inputs come back in order, each with its own
// outputs, through the pipeline.
func TestSession_PipelineKeepsFramesApart(t *testing.T) {
	g, in := testutil.Model(t, "squeezenet1_1")
	x := in[g.Inputs[0].Name]
	const frames = 6
	var inputs []map[string]*graphir.Tensor
	for k := range frames {
		y := x.Clone()
		for i := range y.F {
			y.F[i] *= 1 + 0.1*float32(k)
		}
		inputs = append(inputs, map[string]*graphir.Tensor{g.Inputs[0].Name: y})
	}
	plan, err := planner.SimplePlan(g, 2, planner.Grid{Rows: 2, Cols: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := cluster(t, 2)
	tr := coord.NewTrace()
	s, err := c.Open(ctx(t, time.Minute), g, plan, coord.Options{Trace: tr})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	outs, rep, err := s.Run(ctx(t, 2*time.Minute), inputs)
	if err != nil {
		t.Fatal(err)
	}
	for k := range frames {
		if err := testutil.Compare(g, outs[k], testutil.SingleDevice(t, g, inputs[k])); err != nil {
			t.Errorf("frame %d: %v", k, err)
		}
	}
	for i, st := range rep.Stages {
		if st.Runs != frames {
			t.Errorf("stage %d ran %d frames, want %d", i, st.Runs, frames)
		}
	}
	if !overlaps(t, tr) {
		t.Error("no job of a frame ran while a later-stage job of the frame before it ran: not pipelined")
	}
}

// overlaps reports whether the trace shows a job of frame k+1 in flight
// (waiting, queued, computing or sending) in some stage while a job of frame
// k is in flight in a later one, and checks that a job never holds two
// frames at once.
func overlaps(t *testing.T, tr *coord.Trace) bool {
	var buf bytes.Buffer
	if err := tr.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		TraceEvents []struct {
			Name     string
			Ph       string
			Ts, Dur  float64
			Pid, Tid int
			Args     struct{ Frame, Stage int }
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	type span struct {
		lo, hi       float64
		frame, stage int
	}
	lanes := map[[2]int][]span{} // worker job lane -> its spans
	var all []span
	for _, e := range doc.TraceEvents {
		if e.Ph != "X" || e.Pid == 0 {
			continue
		}
		sp := span{e.Ts, e.Ts + e.Dur, e.Args.Frame, e.Args.Stage}
		lanes[[2]int{e.Pid, e.Tid}] = append(lanes[[2]int{e.Pid, e.Tid}], sp)
		all = append(all, sp)
	}
	for lane, spans := range lanes {
		for _, a := range spans {
			for _, b := range spans {
				if a.frame != b.frame && a.lo < b.hi && b.lo < a.hi {
					t.Errorf("job lane %v holds frames %d and %d at once", lane, a.frame, b.frame)
					return false
				}
			}
		}
	}
	for _, a := range all {
		for _, b := range all {
			if b.frame == a.frame+1 && b.stage < a.stage && a.lo < b.hi && b.lo < a.hi {
				return true
			}
		}
	}
	return false
}

// A worker holding neighbouring tiles runs them as one job: outputs are the
// same, and the jobs receive fewer bytes, since the halo they share comes
// (and is computed) once.
func TestSession_MergedTilesShareOverlap(t *testing.T) {
	g, in := testutil.Model(t, "yolov2_tiny_slim")
	want := testutil.SingleDevice(t, g, in)
	plan, err := planner.SimplePlan(g, 2, planner.Grid{Rows: 2, Cols: 2}) // tiles 0,2 and 1,3: two columns
	if err != nil {
		t.Fatal(err)
	}
	c := cluster(t, 2)
	var reps []*coord.Report
	for _, noMerge := range []bool{false, true} {
		s, err := c.Open(ctx(t, time.Minute), g, plan, coord.Options{NoMerge: noMerge})
		if err != nil {
			t.Fatal(err)
		}
		outs, rep, err := s.Run(ctx(t, time.Minute), []map[string]*graphir.Tensor{in})
		s.Close(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if err := testutil.Compare(g, outs[0], want); err != nil {
			t.Fatalf("no-merge %v: %v", noMerge, err)
		}
		reps = append(reps, rep)
	}
	merged, single := reps[0], reps[1]
	fewer := false
	for i, st := range merged.Stages {
		if st.Kind != string(graphir.StageFused) || st.Tiles != 4 {
			continue
		}
		if st.Jobs != 2 || single.Stages[i].Jobs != 4 {
			t.Errorf("stage %d: %d jobs merged, %d not, want 2 and 4", i, st.Jobs, single.Stages[i].Jobs)
		}
		if st.BytesIn > single.Stages[i].BytesIn {
			t.Errorf("stage %d: merged jobs received %d bytes, single tiles %d", i, st.BytesIn, single.Stages[i].BytesIn)
		}
		fewer = fewer || st.BytesIn < single.Stages[i].BytesIn
	}
	if !fewer {
		t.Error("merging tiles saved no input bytes in any stage")
	}
}
