// Package traceevent writes Chrome trace events (the JSON object format
// that chrome://tracing and Perfetto open), so that a measured run
// (runtime/worker/coord) and a predicted schedule (planner) can be opened
// side by side. It imports nothing of ours.
package traceevent

import (
	"encoding/json"
	"io"
	"sort"
	"sync"
	"time"
)

// Trace records spans as Chrome trace events: processes (numbered, named)
// with threads (numbered, named) holding spans. It is safe for concurrent
// use.
type Trace struct {
	mu     sync.Mutex
	start  time.Time
	events []traceEvent
	procs  map[int]string
	thread map[[2]int]string
}

type traceEvent struct {
	Name string         `json:"name"`
	Ph   string         `json:"ph"`
	Ts   float64        `json:"ts"` // microseconds since the trace began
	Dur  float64        `json:"dur,omitempty"`
	Pid  int            `json:"pid"`
	Tid  int            `json:"tid"`
	Args map[string]any `json:"args,omitempty"`
}

// New starts an empty trace whose process 0 is named proc0; its clock
// starts now.
func New(proc0 string) *Trace {
	return &Trace{start: time.Now(), procs: map[int]string{0: proc0}, thread: map[[2]int]string{}}
}

// Start is the time the trace's clock started at.
func (t *Trace) Start() time.Time { return t.start }

func (t *Trace) us(at time.Time) float64 { return float64(at.Sub(t.start).Nanoseconds()) / 1e3 }

// Span records a span that starts at at and lasts d on thread tid of
// process pid.
func (t *Trace) Span(pid, tid int, name string, at time.Time, d time.Duration, args map[string]any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.events = append(t.events, traceEvent{Name: name, Ph: "X", Ts: t.us(at), Dur: float64(d.Nanoseconds()) / 1e3, Pid: pid, Tid: tid, Args: args})
}

// Name names process pid and its thread tid.
func (t *Trace) Name(pid int, proc string, tid int, thread string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.procs[pid] = proc
	t.thread[[2]int{pid, tid}] = thread
}

// Events returns the number of spans recorded.
func (t *Trace) Events() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.events)
}

// WriteJSON writes {"traceEvents": [...]} with process and thread names.
func (t *Trace) WriteJSON(w io.Writer) error {
	t.mu.Lock()
	evs := append([]traceEvent(nil), t.events...)
	for pid, n := range t.procs {
		evs = append(evs, traceEvent{Name: "process_name", Ph: "M", Pid: pid, Args: map[string]any{"name": n}},
			traceEvent{Name: "process_sort_index", Ph: "M", Pid: pid, Args: map[string]any{"sort_index": pid}})
	}
	for k, n := range t.thread {
		evs = append(evs, traceEvent{Name: "thread_name", Ph: "M", Pid: k[0], Tid: k[1], Args: map[string]any{"name": n}})
	}
	t.mu.Unlock()
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Ph == "M" && evs[j].Ph != "M" })
	enc := json.NewEncoder(w)
	return enc.Encode(map[string]any{"traceEvents": evs, "displayTimeUnit": "ms"})
}
