package planner

import (
	"fmt"
	"io"
	"time"

	"github.com/edgectl/edgectl/internal/traceevent"
)

// WriteTrace writes the predicted schedule of one frame as Chrome trace
// events, in the layout `edgectl run --trace` uses for a measured run
// (process 0 the coordinator, one process per device), so that predicted
// and measured can be opened side by side in Perfetto: per stage the
// coordinator's span, and on each device its tile's dispatch, receive and
// compute.
func (r *Result) WriteTrace(w io.Writer) error {
	t := traceevent.New("coordinator (predicted)")
	at := t.Start()
	dur := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	pids := map[string]int{}
	for i, st := range r.Stages {
		total := dur(st.Total())
		t.Name(0, "coordinator (predicted)", 1+i, fmt.Sprintf("stage %d %s", i, st.Name))
		t.Span(0, 1+i, fmt.Sprintf("stage %d %s", i, st.Name), at, total, map[string]any{
			"mode": string(st.Mode), "split": st.Split, "messages": st.Comm.Messages, "bytes": st.Comm.Bytes})
		for ti, d := range st.Devices {
			pid, ok := pids[d]
			if !ok {
				pid = len(pids) + 1
				pids[d] = pid
			}
			tid := i*1000 + ti
			t.Name(pid, d+" (predicted)", tid, fmt.Sprintf("%s tile %d", st.Name, ti))
			cur := at
			for _, sp := range []struct {
				name string
				d    time.Duration
			}{{"dispatch", dur(st.RTT)}, {"receive", dur(st.Comm.Seconds)}, {"compute", dur(st.Tiles[ti])}} {
				if sp.d > 0 {
					t.Span(pid, tid, sp.name, cur, sp.d, map[string]any{"stage": st.Name, "tile": ti})
				}
				cur = cur.Add(sp.d)
			}
		}
		at = at.Add(total)
	}
	if r.Gather.Seconds > 0 {
		t.Name(0, "coordinator (predicted)", 1+len(r.Stages), "outputs")
		t.Span(0, 1+len(r.Stages), "outputs", at, dur(r.Gather.Seconds), map[string]any{"bytes": r.Gather.Bytes})
	}
	return t.WriteJSON(w)
}
