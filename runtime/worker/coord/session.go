package coord

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// Options tune a session.
type Options struct {
	// Devices maps the plan's device ids to worker indices (nil:
	// DeviceMap).
	Devices map[string]int
	// TileTimeout is the deadline of one job (its worker waiting for pieces,
	// computing and sending). 0 adapts it: 10 times the slowest job of the
	// stage seen so far plus 2 s, and 5 minutes before any was seen.
	TileTimeout time.Duration
	// Window is the most frames in flight (0: one per stage, plus one).
	Window int
	// NoMerge runs every tile on its own, even when a worker holds
	// neighbouring tiles whose union is a rectangle.
	NoMerge bool
	// Trace, when set, records compute, send and wait of every job.
	Trace *Trace
	// OnFrame is called with each frame's outputs as soon as they are
	// complete (frames may complete out of order after a failover).
	OnFrame func(frame int, outputs map[string]*graphir.Tensor)
	// Log receives a line per failover (nil: discarded).
	Log io.Writer
	// Model, when set, is the SHA-256 (lowercase hex) of the model file
	// that every worker already holds in its data directory (placed there
	// from a bundle, kube/bundle): the coordinator then neither writes nor
	// uploads the model, and its graph may lack the weights.
	Model string
}

// Failover records one worker dropped from a session.
type Failover struct {
	At     time.Time
	Worker int
	Addr   string
	Reason string
}

// Session is a model and plan opened on a cluster.
type Session struct {
	c     *Cluster
	id    string
	g     *graphir.Graph
	plan  []byte
	prog  *partition.Program
	model *modelFile
	opts  Options

	mu        sync.Mutex
	lay       *layout
	dead      map[int]bool
	opened    map[int]string // worker -> tile set it has opened (canonical string)
	failovers []Failover

	runs     atomic.Uint64
	stageMax []atomic.Int64 // slowest successful job per stage, in ns
}

// DeviceMap maps a plan's device ids to n workers: graphir.DeviceID(i) to
// worker i, any other id to the next unused worker in order of first use.
func DeviceMap(plan *graphir.Plan, n int) (map[string]int, error) {
	m := map[string]int{}
	used := map[int]bool{}
	for i := 0; i < n; i++ {
		m[graphir.DeviceID(i)] = i
	}
	var names []string
	for _, st := range plan.Stages {
		for _, d := range st.Split.Devices {
			if _, ok := m[d]; !ok && !contains(names, d) {
				names = append(names, d)
			}
		}
	}
	for _, st := range plan.Stages {
		for _, d := range st.Split.Devices {
			if i, ok := m[d]; ok {
				used[i] = true
			}
		}
	}
	next := 0
	for _, d := range names {
		for next < n && used[next] {
			next++
		}
		if next >= n {
			return nil, fmt.Errorf("the plan names more devices than the %d workers", n)
		}
		m[d], used[next] = next, true
	}
	return m, nil
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// Open compiles plan for g, gives every worker the model and opens the
// session on the workers that hold tiles.
func (c *Cluster) Open(ctx context.Context, g *graphir.Graph, plan *graphir.Plan, opts Options) (*Session, error) {
	prog, err := partition.Compile(g, plan)
	if err != nil {
		return nil, err
	}
	devices := opts.Devices
	if devices == nil {
		if devices, err = DeviceMap(plan, len(c.Workers)); err != nil {
			return nil, err
		}
	}
	assign := map[tileKey]int{}
	for _, st := range prog.Stages {
		for _, t := range st.Tiles {
			w, ok := devices[t.Device]
			if !ok || w < 0 || w >= len(c.Workers) {
				return nil, fmt.Errorf("stage %d %q tile %d: device %q has no worker", st.Index, st.Name, t.Index, t.Device)
			}
			assign[tileKey{st.Index, t.Index}] = w
		}
	}
	planJSON, err := plan.Encode()
	if err != nil {
		return nil, err
	}
	s := &Session{c: c, id: rand.Text(), g: g, plan: planJSON, prog: prog, opts: opts,
		dead: map[int]bool{}, opened: map[int]string{}, stageMax: make([]atomic.Int64, len(prog.Stages))}
	if s.lay, err = buildLayout(prog, assign, c.Workers, !opts.NoMerge, s.id, 0); err != nil {
		return nil, err
	}
	if opts.Model != "" {
		s.model = &modelFile{sha: opts.Model}
	} else if s.model, err = writeModel(g); err != nil {
		return nil, err
	} else {
		err = parallel(c.Workers, func(w *Worker) error { return s.model.place(ctx, w) })
	}
	if err == nil {
		err = s.openWorkers(ctx, s.lay)
	}
	if err != nil {
		s.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return s, nil
}

// parallel calls f for every worker at once and joins the errors.
func parallel(ws []*Worker, f func(*Worker) error) error {
	errs := make([]error, len(ws))
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Go(func() { errs[i] = f(w) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// tileSets lists, per worker, the tiles a layout gives it.
func tileSets(l *layout) map[int][]*wirepb.TileRef {
	out := map[int][]*wirepb.TileRef{}
	for k, w := range l.assign {
		out[w] = append(out[w], &wirepb.TileRef{Stage: int32(k.stage), Tile: int32(k.tile)})
	}
	for _, ts := range out {
		sort.Slice(ts, func(i, j int) bool {
			return ts[i].Stage < ts[j].Stage || ts[i].Stage == ts[j].Stage && ts[i].Tile < ts[j].Tile
		})
	}
	return out
}

// openWorkers opens the session on every worker whose tile set differs
// from what it has opened. Errors name the worker (openError).
func (s *Session) openWorkers(ctx context.Context, l *layout) error {
	sets := tileSets(l)
	var todo []*Worker
	for w, ts := range sets {
		if s.opened[w] != fmt.Sprint(ts) {
			todo = append(todo, s.c.Workers[w])
		}
	}
	var mu sync.Mutex
	ctx, cancel := context.WithTimeout(ctx, max(s.opts.TileTimeout, time.Minute))
	defer cancel()
	return parallel(todo, func(w *Worker) error {
		ts := sets[w.Index]
		_, err := w.rpc.Open(ctx, &wirepb.OpenRequest{Session: s.id, Model: &wirepb.OpenRequest_Sha256{Sha256: s.model.sha},
			Plan: s.plan, Tiles: ts})
		if err != nil {
			return &jobError{worker: w.Index, what: "open session", err: err}
		}
		mu.Lock()
		s.opened[w.Index] = fmt.Sprint(ts)
		mu.Unlock()
		return nil
	})
}

// Close closes the session on every worker that opened it and removes the
// model file.
func (s *Session) Close(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s.mu.Lock()
	var ws []*Worker
	for w := range s.opened {
		if !s.dead[w] {
			ws = append(ws, s.c.Workers[w])
		}
	}
	s.opened = map[int]string{}
	s.mu.Unlock()
	err := parallel(ws, func(w *Worker) error {
		_, err := w.rpc.Close(ctx, &wirepb.CloseRequest{Session: s.id})
		return err
	})
	if s.model != nil {
		s.model.remove()
	}
	return err
}

// Program is the compiled plan the session runs.
func (s *Session) Program() *partition.Program { return s.prog }

// Failovers lists the workers dropped so far.
func (s *Session) Failovers() []Failover {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Failover(nil), s.failovers...)
}

func (s *Session) layout() *layout {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lay
}
