package coord

import (
	"context"
	"errors"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/worker/internal/wire"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// pushInputs sends every job its crops of the graph inputs, one Push
// stream per worker.
func (s *Session) pushInputs(ctx context.Context, pp *pipe, run uint64, k int, in map[string]*graphir.Tensor, lay *layout) error {
	byWorker := map[int][]*job{}
	for _, j := range lay.jobs {
		if len(j.inputs) > 0 {
			byWorker[j.worker] = append(byWorker[j.worker], j)
		}
	}
	var ws []*Worker
	for w := range byWorker {
		ws = append(ws, s.c.Workers[w])
	}
	t0 := time.Now()
	err := parallel(ws, func(w *Worker) error {
		first := len(lay.stages)
		for _, j := range byWorker[w.Index] {
			first = min(first, j.stage)
		}
		ctx, cancel := context.WithTimeout(ctx, s.timeout(first))
		defer cancel()
		st, err := w.rpc.Push(ctx)
		if err != nil {
			return &jobError{worker: w.Index, what: "push inputs", err: err}
		}
		for _, j := range byWorker[w.Index] {
			for _, p := range j.inputs {
				x := in[p.Value]
				if !p.Box.Equal(partition.FullBox(x.Shape)) {
					if x, err = partition.Crop(x, p.Box); err != nil {
						return err
					}
				}
				h := &wirepb.PartHeader{Session: s.id, Run: run, Stage: int32(j.stage), Tile: j.tiles[0], Value: p.Value, Box: wire.BoxPB(p.Box)}
				if _, err := wire.Send(st.Send, h, x); err != nil {
					break // the status comes with CloseAndRecv
				}
			}
		}
		if _, err := st.CloseAndRecv(); err != nil {
			return &jobError{worker: w.Index, what: "push inputs", err: err}
		}
		return nil
	})
	if err != nil {
		var je *jobError
		if errors.As(err, &je) {
			return je
		}
		return err
	}
	if s.opts.Trace != nil {
		s.opts.Trace.Span(0, pp.rep.frameLane(k), "send inputs", t0, time.Since(t0), map[string]any{"frame": k})
	}
	return nil
}

// release tells the workers to drop what a failed run left in their
// mailboxes (a run that succeeded took every piece it was sent).
func (s *Session) release(run uint64, lay *layout) {
	s.mu.Lock()
	var ws []*Worker
	seen := map[int]bool{}
	for _, j := range lay.jobs {
		if !seen[j.worker] && !s.dead[j.worker] {
			seen[j.worker] = true
			ws = append(ws, s.c.Workers[j.worker])
		}
	}
	s.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		parallel(ws, func(w *Worker) error {
			_, err := w.rpc.Release(ctx, &wirepb.ReleaseRequest{Session: s.id, Runs: []uint64{run}})
			return err
		})
	}()
}
