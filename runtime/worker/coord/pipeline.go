package coord

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/worker/internal/wire"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// Run runs frames (each a map from graph input name to tensor) through the
// session's pipeline and returns their outputs in order.
func (s *Session) Run(ctx context.Context, frames []map[string]*graphir.Tensor) ([]map[string]*graphir.Tensor, *Report, error) {
	for k, f := range frames {
		if err := runtime.CheckInputs(s.g, f); err != nil {
			return nil, nil, fmt.Errorf("frame %d: %w", k, err)
		}
	}
	window := s.opts.Window
	if window <= 0 {
		window = len(s.prog.Stages) + 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := &pipe{rep: newReport(s, len(frames))}
	p.rep.window = window
	outs := make([]map[string]*graphir.Tensor, len(frames))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	admit := make(chan struct{}, window)
	start := time.Now()
admission:
	for k := range frames {
		select {
		case admit <- struct{}{}:
		case <-ctx.Done():
			break admission
		}
		wg.Go(func() {
			defer func() { <-admit }()
			t0 := time.Now()
			o, err := s.runFrame(ctx, p, k, frames[k])
			if err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
				cancel()
				return
			}
			outs[k] = o
			p.rep.frameDone(k, t0, time.Since(t0))
			if s.opts.OnFrame != nil {
				s.opts.OnFrame(k, o)
			}
		})
	}
	wg.Wait()
	p.rep.Wall = time.Since(start)
	p.rep.Failovers = s.Failovers()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	if first != nil {
		return nil, p.rep, first
	}
	return outs, p.rep, nil
}

// pipe is the state of one Run.
type pipe struct {
	rep *Report
}

// runFrame runs one frame, again on a new layout after a failover.
func (s *Session) runFrame(ctx context.Context, p *pipe, k int, in map[string]*graphir.Tensor) (map[string]*graphir.Tensor, error) {
	for attempt := 1; ; attempt++ {
		lay := s.layout()
		out, err := s.attempt(ctx, p, k, in, lay)
		if err == nil {
			return out, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !retryable(err) || attempt > len(s.c.Workers) {
			return nil, fmt.Errorf("frame %d: %w", k, err)
		}
		if ferr := s.failover(ctx, lay.version, err); ferr != nil {
			return nil, fmt.Errorf("frame %d: %w", k, ferr)
		}
		p.rep.retry()
	}
}

// retryable reports errors that a failover may cure: anything but a
// refused request.
func retryable(err error) bool {
	switch status.Code(err) {
	case codes.InvalidArgument, codes.NotFound, codes.FailedPrecondition, codes.Unauthenticated,
		codes.PermissionDenied, codes.Unimplemented, codes.OutOfRange:
		return false
	}
	return true
}

// jobError is a failed call to a worker.
type jobError struct {
	worker int
	what   string
	err    error
}

func (e *jobError) Error() string { return fmt.Sprintf("worker %d: %s: %v", e.worker, e.what, e.err) }
func (e *jobError) Unwrap() error { return e.err }

// attempt runs a frame once on one layout. Every job starts as soon as
// the jobs it receives from are done and the same job of the previous
// frame has finished (its gate), so tiles of a stage run in parallel and
// stages form a pipeline: frame k+1 runs in stage 1 while frame k is in
// stage 2.
func (s *Session) attempt(ctx context.Context, p *pipe, k int, in map[string]*graphir.Tensor, lay *layout) (map[string]*graphir.Tensor, error) {
	run := s.runs.Add(1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ok := false
	defer func() {
		if !ok {
			s.release(run, lay)
		}
	}()
	col := newCollector(s.g, in)
	if err := s.pushInputs(ctx, p, run, k, in, lay); err != nil {
		return nil, err
	}
	f := &frameRun{done: make([]chan struct{}, len(lay.jobs)), spans: make([][2]time.Time, len(lay.stages))}
	for i := range f.done {
		f.done[i] = make(chan struct{})
	}
	errs := make(chan error, len(lay.jobs))
	for _, j := range lay.jobs {
		go func() { errs <- s.flow(ctx, f, run, k, j, lay, col, p.rep) }()
	}
	var first error
	for range lay.jobs {
		if err := <-errs; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	if first != nil {
		return nil, first
	}
	for si, sp := range f.spans {
		p.rep.stageDone(si, k, sp[0], sp[1].Sub(sp[0]))
	}
	out, err := col.finish()
	ok = err == nil
	return out, err
}

// frameRun tracks one attempt's jobs: done[j] closes when job j finished;
// spans[s] is the first start and last end of stage s's jobs.
type frameRun struct {
	done  []chan struct{}
	mu    sync.Mutex
	spans [][2]time.Time
}

// flow runs job j once its producers are done and its gate is free.
func (s *Session) flow(ctx context.Context, f *frameRun, run uint64, k int, j *job, lay *layout, col *collector, rep *Report) error {
	for _, d := range j.deps {
		select {
		case <-f.done[d]:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	select {
	case lay.gates[j.id] <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	t0 := time.Now()
	err := s.runJob(ctx, run, k, j, col, rep)
	<-lay.gates[j.id]
	if err != nil {
		return err
	}
	t1 := time.Now()
	f.mu.Lock()
	sp := &f.spans[j.stage]
	if sp[0].IsZero() || t0.Before(sp[0]) {
		sp[0] = t0
	}
	if t1.After(sp[1]) {
		sp[1] = t1
	}
	f.mu.Unlock()
	close(f.done[j.id])
	return nil
}

// timeout is the deadline of a job of stage si.
func (s *Session) timeout(si int) time.Duration {
	if s.opts.TileTimeout > 0 {
		return s.opts.TileTimeout
	}
	if m := s.stageMax[si].Load(); m > 0 {
		return 10*time.Duration(m) + 2*time.Second
	}
	return 5 * time.Minute
}

// runJob calls RunTile and collects the graph-output parts it returns.
func (s *Session) runJob(ctx context.Context, run uint64, k int, j *job, col *collector, rep *Report) error {
	w := s.c.Workers[j.worker]
	ctx, cancel := context.WithTimeout(ctx, s.timeout(j.stage))
	defer cancel()
	req := &wirepb.RunTileRequest{Session: j.req.Session, Run: run, Frame: int64(k), Stage: j.req.Stage,
		Tiles: j.req.Tiles, Expect: j.req.Expect, Sends: j.req.Sends}
	t0 := time.Now()
	fail := func(err error) error { return &jobError{worker: w.Index, what: j.name(), err: err} }
	st, err := w.rpc.RunTile(ctx, req)
	if err != nil {
		return fail(err)
	}
	r := wire.Receiver{Check: col.check}
	var stats *wirepb.TileStats
	for {
		c, err := st.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		if x := c.GetStats(); x != nil {
			stats = x
			continue
		}
		part, err := r.Add(c)
		if err != nil {
			return fail(status.Errorf(codes.Internal, "bad reply: %v", err))
		}
		if part != nil {
			col.put(part)
		}
	}
	if err := r.End(); err != nil || stats == nil {
		return fail(status.Errorf(codes.Internal, "reply ended early (parts complete: %v, stats: %v)", err == nil, stats != nil))
	}
	dur := time.Since(t0)
	for {
		old := s.stageMax[j.stage].Load()
		if int64(dur) <= old || s.stageMax[j.stage].CompareAndSwap(old, int64(dur)) {
			break
		}
	}
	rep.job(j, w, k, t0, dur, stats)
	return nil
}
