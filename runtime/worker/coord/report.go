package coord

import (
	"fmt"
	"io"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// Report is what a Run measured.
type Report struct {
	Frames    int
	Wall      time.Duration   // first frame admitted to last frame done
	Latency   []time.Duration // per frame, admission to outputs complete
	Stages    []StageReport
	Retries   int // frame attempts run again after a failure
	Failovers []Failover

	mu     sync.Mutex
	trace  *Trace
	window int
	// slowest is, per stage and frame, the compute of its slowest job so
	// far (a retried frame's jobs count again).
	slowest map[[2]int]time.Duration
}

// StageReport sums a stage's successful runs over all frames.
type StageReport struct {
	Name  string
	Kind  string
	Tiles int
	Jobs  int           // calls per frame (fewer than Tiles where tiles merged), at the start
	Runs  int           // frames that went through the stage
	Time  time.Duration // sum over frames: first job started to last job done
	// Sums over jobs of the workers' own measurements.
	Wait, Queue, Compute, Send time.Duration
	BytesIn, BytesOut          int64
	// Slowest sums over frames the compute of the frame's slowest job: what
	// the planner's stage compute (its slowest tile) predicts.
	Slowest time.Duration
}

func newReport(s *Session, frames int) *Report {
	r := &Report{Frames: frames, Latency: make([]time.Duration, frames), trace: s.opts.Trace}
	lay := s.layout()
	for i, st := range s.prog.Stages {
		r.Stages = append(r.Stages, StageReport{Name: st.Name, Kind: string(st.Kind), Tiles: len(st.Tiles), Jobs: len(lay.stages[i])})
	}
	return r
}

func (r *Report) retry() {
	r.mu.Lock()
	r.Retries++
	r.mu.Unlock()
}

func (r *Report) frameDone(k int, at time.Time, d time.Duration) {
	r.mu.Lock()
	r.Latency[k] = d
	r.mu.Unlock()
	if r.trace != nil {
		r.trace.Span(0, r.frameLane(k), fmt.Sprintf("frame %d", k), at, d, map[string]any{"frame": k})
	}
}

func (r *Report) stageDone(si, k int, at time.Time, d time.Duration) {
	r.mu.Lock()
	st := &r.Stages[si]
	st.Runs++
	st.Time += d
	r.mu.Unlock()
	if r.trace != nil {
		r.trace.Name(0, "coordinator", 1+si, fmt.Sprintf("stage %d %s", si, st.Name))
		r.trace.Span(0, 1+si, fmt.Sprintf("stage %d %s", si, st.Name), at, d, map[string]any{"frame": k})
	}
}

func (r *Report) job(j *job, w *Worker, k int, at time.Time, d time.Duration, s *wirepb.TileStats) {
	ns := func(x int64) time.Duration { return time.Duration(x) }
	r.mu.Lock()
	st := &r.Stages[j.stage]
	st.Wait += ns(s.WaitNs)
	st.Queue += ns(s.QueueNs)
	st.Compute += ns(s.ComputeNs)
	if c, key := ns(s.ComputeNs), [2]int{j.stage, k}; c > r.slowest[key] {
		if r.slowest == nil {
			r.slowest = map[[2]int]time.Duration{}
		}
		st.Slowest += c - r.slowest[key]
		r.slowest[key] = c
	}
	st.Send += ns(s.SendNs)
	st.BytesIn += s.BytesIn
	st.BytesOut += s.BytesOut
	r.mu.Unlock()
	t := r.trace
	if t == nil {
		return
	}
	pid, tid := w.Index+1, j.stage*1000+int(j.tiles[0])
	t.Name(pid, fmt.Sprintf("worker %d %s", w.Index, w.Addr), tid, j.name())
	args := map[string]any{"frame": k, "stage": j.stage, "tiles": j.tiles, "bytes_in": s.BytesIn, "bytes_out": s.BytesOut}
	// The worker's spans are placed from the moment the call was made.
	cur := at
	for _, p := range []struct {
		name string
		d    int64
	}{{"wait", s.WaitNs}, {"queue", s.QueueNs}, {"compute", s.ComputeNs}, {"send", s.SendNs}} {
		if p.d > 0 {
			t.Span(pid, tid, p.name, cur, ns(p.d), args)
		}
		cur = cur.Add(ns(p.d))
	}
}

// frameLane is the coordinator's trace thread of frame k: frames in flight
// at once get different lanes.
func (r *Report) frameLane(k int) int {
	lane := 1000 + k%max(r.window, 1)
	if r.trace != nil {
		r.trace.Name(0, "coordinator", lane, fmt.Sprintf("frames (lane %d)", lane-1000))
	}
	return lane
}

// MedianLatency is the median end-to-end latency of the run's frames.
func (r *Report) MedianLatency() time.Duration {
	lat := slices.Clone(r.Latency)
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	return lat[len(lat)/2]
}

// Format prints per-stage timing (time/frame: first job called to last job
// done; compute, send, wait and queue: the workers' own times summed over
// the stage's jobs, per frame; MB in: bytes of the pieces the jobs took
// per frame, those a worker kept from its own earlier tiles included),
// end-to-end latency and, for more than one frame, throughput.
func (r *Report) Format(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stage\tname\tkind\ttiles\tjobs\ttime/frame\tcompute\tsend\twait\tqueue\tMB in\t")
	for i, st := range r.Stages {
		n := time.Duration(max(st.Runs, 1))
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%.2f\t\n", i, st.Name, short(st.Kind), st.Tiles, st.Jobs,
			round(st.Time/n), round(st.Compute/n), round(st.Send/n), round(st.Wait/n), round(st.Queue/n), float64(st.BytesIn)/1e6/float64(n))
	}
	tw.Flush()
	lat := slices.Clone(r.Latency)
	slices.Sort(lat)
	if len(lat) > 0 {
		var sum time.Duration
		for _, d := range lat {
			sum += d
		}
		fmt.Fprintf(w, "latency: mean %s, median %s, max %s over %d frames\n", round(sum/time.Duration(len(lat))), round(lat[len(lat)/2]), round(lat[len(lat)-1]), len(lat))
	}
	if r.Frames > 1 && r.Wall > 0 {
		fmt.Fprintf(w, "throughput: %.2f frames/s (%d frames in %s)\n", float64(r.Frames)/r.Wall.Seconds(), r.Frames, round(r.Wall))
	}
	for _, f := range r.Failovers {
		fmt.Fprintf(w, "failover: worker %d (%s) dropped: %s\n", f.Worker, f.Addr, f.Reason)
	}
	if r.Retries > 0 {
		fmt.Fprintf(w, "frames run again after a failure: %d\n", r.Retries)
	}
}

func short(kind string) string {
	if kind == "layerwise" {
		return "layer"
	}
	return kind
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
