package coord

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/worker/internal/testutil"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

func TestDefaultGrid(t *testing.T) {
	for n, want := range map[int]planner.Grid{1: {Rows: 1, Cols: 1}, 2: {Rows: 1, Cols: 2}, 3: {Rows: 1, Cols: 3}, 4: {Rows: 2, Cols: 2}, 6: {Rows: 2, Cols: 3}, 8: {Rows: 2, Cols: 4}, 9: {Rows: 3, Cols: 3}} {
		if got := planner.DefaultGrid(n); got != want {
			t.Errorf("planner.DefaultGrid(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestDeviceMap(t *testing.T) {
	plan := &graphir.Plan{Stages: []graphir.Stage{
		{Split: graphir.Split{Devices: []string{"jetson", graphir.DeviceID(0)}}},
		{Split: graphir.Split{Devices: []string{"pi", "jetson"}}},
	}}
	m, err := DeviceMap(plan, 3)
	if err != nil {
		t.Fatal(err)
	}
	if m["worker-0"] != 0 || m["jetson"] != 1 || m["pi"] != 2 {
		t.Errorf("map %v: want worker-0 on 0, jetson on 1, pi on 2", m)
	}
	if _, err := DeviceMap(plan, 2); err == nil || !strings.Contains(err.Error(), "more devices than the 2 workers") {
		t.Errorf("2 workers for 3 devices: %v", err)
	}
}

func TestRemoteWorkers(t *testing.T) {
	plan := &graphir.Plan{Stages: []graphir.Stage{{Split: graphir.Split{Devices: []string{"10.0.0.1:7070", "10.0.0.2:7070"}}}}}
	addrs, m, err := remoteWorkers(plan, nil)
	if err != nil || len(addrs) != 2 || m["10.0.0.2:7070"] != 1 {
		t.Errorf("device ids as addresses: %v %v %v", addrs, m, err)
	}
	addrs, m, err = remoteWorkers(plan, []string{"10.0.0.2:7070=b:1", "10.0.0.1:7070=a:1", "spare:1"})
	if err != nil || fmt.Sprint(addrs) != "[b:1 a:1 spare:1]" || m["10.0.0.1:7070"] != 1 {
		t.Errorf("named workers: %v %v %v", addrs, m, err)
	}
	if _, _, err := remoteWorkers(plan, []string{"10.0.0.1:7070=a:1"}); err == nil || !strings.Contains(err.Error(), "has no worker") {
		t.Errorf("a device without worker: %v", err)
	}
}

// Tiles of a 3x3 grid held by one worker merge into rectangles only.
func TestMergeRects(t *testing.T) {
	g, _ := testutil.Model(t, "resnet18_tiny")
	plan, err := planner.SimplePlan(g, 1, planner.Grid{Rows: 3, Cols: 3})
	if err != nil {
		t.Fatal(err)
	}
	prog, err := partition.Compile(g, plan)
	if err != nil {
		t.Fatal(err)
	}
	st := prog.Stages[0]
	if len(st.Tiles) != 9 {
		t.Fatalf("stage 0 has %d tiles", len(st.Tiles))
	}
	cases := []struct {
		tiles []int
		want  string
	}{
		{[]int{0, 1, 2, 3, 4, 5, 6, 7, 8}, "[[0 1 2 3 4 5 6 7 8]]"},
		{[]int{0, 1, 3, 4}, "[[0 1 3 4]]"},
		{[]int{0, 4, 8}, "[[0] [4] [8]]"},
		{[]int{0, 1, 4}, "[[0 1] [4]]"},
		{[]int{2, 5, 8, 7}, "[[2 5 8] [7]]"},
	}
	for _, tc := range cases {
		groups := mergeRects(st, tc.tiles)
		if got := fmt.Sprint(groups); got != tc.want {
			t.Errorf("mergeRects(%v) = %s, want %s", tc.tiles, got, tc.want)
		}
		for _, grp := range groups {
			if hull(st, grp).Area() != area(st, grp) {
				t.Errorf("group %v is not a rectangle", grp)
			}
		}
	}
}

// The tiles of a dead worker go to the live ones, the fewest per stage
// first; the others stay where they were.
func TestReassign(t *testing.T) {
	old := map[tileKey]int{}
	for s := range 2 {
		for tile := range 4 {
			old[tileKey{s, tile}] = tile % 4 // tile i on worker i
		}
	}
	got := reassign(old, map[int]bool{1: true}, []int{0, 2, 3})
	perStage := map[[2]int]int{}
	for k, w := range got {
		if w == 1 {
			t.Fatalf("tile %v left on the dead worker", k)
		}
		if old[k] != 1 && got[k] != old[k] {
			t.Errorf("tile %v moved from live worker %d to %d", k, old[k], got[k])
		}
		perStage[[2]int{k.stage, w}]++
	}
	for k, n := range perStage {
		if n > 2 {
			t.Errorf("stage %d: worker %d holds %d tiles", k[0], k[1], n)
		}
	}
	if got[tileKey{0, 1}] == got[tileKey{1, 1}] {
		t.Errorf("both orphans went to worker %d; the second should go to a worker with fewer tiles overall", got[tileKey{0, 1}])
	}
}

func TestMoved(t *testing.T) {
	old := map[tileKey]int{{0, 0}: 0, {0, 1}: 1, {1, 0}: 1, {1, 1}: 2, {2, 0}: 1}
	cur := map[tileKey]int{{0, 0}: 0, {0, 1}: 0, {1, 0}: 2, {1, 1}: 2, {2, 0}: 0}
	want := "worker 1's tiles s0 t1, s2 t0 -> worker 0; worker 1's tiles s1 t0 -> worker 2"
	if got := moved(old, cur); got != want {
		t.Errorf("moved = %q, want %q", got, want)
	}
	if got := moved(old, old); got != "no tile moved" {
		t.Errorf("moved of an unchanged layout = %q", got)
	}
}

// TestReport_SlowestSumsEachFramesSlowestJob: a stage's Slowest is, over
// frames, the compute of each frame's slowest job, whichever job reports
// first, while Compute sums every job.
func TestReport_SlowestSumsEachFramesSlowestJob(t *testing.T) {
	r := &Report{Stages: []StageReport{{Name: "s0"}, {Name: "s1"}}}
	w := &Worker{}
	ms := func(x int64) *wirepb.TileStats { return &wirepb.TileStats{ComputeNs: x * 1e6} }
	a, b := &job{stage: 0, tiles: []int32{0}}, &job{stage: 0, tiles: []int32{1}}
	now := time.Now()
	r.job(a, w, 0, now, 0, ms(3))
	r.job(b, w, 0, now, 0, ms(5))
	r.job(b, w, 1, now, 0, ms(4))
	r.job(a, w, 1, now, 0, ms(2))
	r.job(&job{stage: 1, tiles: []int32{0}}, w, 0, now, 0, ms(7))
	if got, want := r.Stages[0].Slowest, 9*time.Millisecond; got != want {
		t.Errorf("stage 0 Slowest = %v, want %v (5 of frame 0, 4 of frame 1)", got, want)
	}
	if got, want := r.Stages[0].Compute, 14*time.Millisecond; got != want {
		t.Errorf("stage 0 Compute = %v, want %v", got, want)
	}
	if got, want := r.Stages[1].Slowest, 7*time.Millisecond; got != want {
		t.Errorf("stage 1 Slowest = %v, want %v", got, want)
	}
}
