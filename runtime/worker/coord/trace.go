package coord

import "github.com/edgectl/edgectl/internal/traceevent"

// Trace records a run as Chrome trace events: process 0 is the
// coordinator, process i+1 is worker i, one thread per job (stage and
// tiles), and "wait", "queue", "compute" and "send" spans of every job in
// every frame.
type Trace = traceevent.Trace

// NewTrace starts an empty trace; its clock starts now.
func NewTrace() *Trace { return traceevent.New("coordinator") }
