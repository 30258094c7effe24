package worker

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/tilerun"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

type tileKey struct{ stage, tile int }

// session is a model and plan opened on this worker, with the set of tiles
// it may run. Only the constants of the stages of those tiles stay in
// memory.
type session struct {
	id     string
	model  string // path in the data directory
	plan   []byte
	prog   *partition.Program
	run    *tilerun.Runner
	held   map[tileKey]bool
	stages map[int]bool
	values map[string]*graphir.Value // computed values and graph inputs by name

	constBytes, keptBytes int64

	used   atomic.Int64 // unix nanoseconds of the last use
	mu     sync.Mutex
	merged map[string]*partition.Tile // tiles made by TileFor, by stage and rectangle
	// sparse are the constants read only in the parts its channel tiles
	// crop (sparse.go), released once every held channel tile (unbuilt)
	// has built its graph.
	sparse  []*graphir.Value
	unbuilt map[tileKey]bool
}

func (ss *session) touch()             { ss.used.Store(time.Now().UnixNano()) }
func (ss *session) lastUse() time.Time { return time.Unix(0, ss.used.Load()) }

// putSession installs ss (replacing an open session of that id) and
// returns the number of open sessions.
func (s *Server) putSession(ss *session) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[ss.id] = ss
	return len(s.sessions)
}

// session returns an open session or a NotFound status.
func (s *Server) session(id string) (*session, error) {
	s.mu.Lock()
	ss, ok := s.sessions[id]
	s.mu.Unlock()
	if !ok {
		return nil, status.Errorf(codes.NotFound, "session %q is not open on this worker", id)
	}
	ss.touch()
	return ss, nil
}

// Open implements wirepb.WorkerServer.
func (s *Server) Open(ctx context.Context, req *wirepb.OpenRequest) (*wirepb.OpenReply, error) {
	if req.Session == "" {
		return nil, status.Error(codes.InvalidArgument, "open: no session id")
	}
	s.mu.Lock()
	draining := s.draining
	s.mu.Unlock()
	if draining {
		return nil, status.Error(codes.Unavailable, "open: this worker is draining (stopping): it takes no new sessions")
	}
	path, err := modelFile(req)
	if err != nil {
		return nil, err
	}
	plan, err := graphir.DecodePlan(req.Plan)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "open: plan: %v", err)
	}
	// What closed sessions left is collected before a new one's weights
	// are read: otherwise the heap holds both (a re-opened VGG-16 session
	// peaked at twice its weights).
	debug.FreeOSMemory()
	defer s.mem.opened()
	// Read the graph without weights first, find the stages of the tiles
	// this worker runs, then read only the weights those stages' nodes use.
	topts := tilerun.Options{Runtime: runtime.Options{Threads: s.cfg.Threads, Extra: s.cfg.Kernels}}
	g, err := s.loadModel(path, func(string) bool { return true })
	if err != nil {
		return nil, err
	}
	prog, err := partition.Compile(g, plan)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "open: plan does not fit model %q: %v", path, err)
	}
	held := map[tileKey]bool{}
	for _, t := range req.Tiles {
		if t.Stage >= 0 && int(t.Stage) < len(prog.Stages) && t.Tile >= 0 && int(t.Tile) < len(prog.Stages[t.Stage].Tiles) {
			held[tileKey{int(t.Stage), int(t.Tile)}] = true
		}
	}
	partial := partialConstants(prog, held)
	needed := map[string]bool{}
	for _, t := range req.Tiles {
		if t.Stage < 0 || int(t.Stage) >= len(prog.Stages) {
			continue // reported below
		}
		for _, n := range prog.Stages[t.Stage].Nodes {
			for _, in := range n.Inputs {
				if in.IsConst() {
					needed[in.Name] = true
				}
			}
		}
	}
	if err := s.checkWeights(g, needed, partial); err != nil {
		return nil, err
	}
	for _, v := range g.Outputs {
		needed[v.Name] = true
	}
	if g, err = s.loadModel(path, func(name string) bool { return !needed[name] || partial[name] != nil }); err != nil {
		return nil, err
	}
	sparse, sparseBytes, err := s.readPartial(path, g, partial)
	if err != nil {
		return nil, err
	}
	if prog, err = partition.Compile(g, plan); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "open: plan does not fit model %q: %v", path, err)
	}
	ss := &session{id: req.Session, model: path, plan: req.Plan, prog: prog, run: tilerun.New(prog, topts), held: map[tileKey]bool{},
		stages: map[int]bool{}, values: map[string]*graphir.Value{}, merged: map[string]*partition.Tile{}}
	for _, t := range req.Tiles {
		if t.Stage < 0 || int(t.Stage) >= len(prog.Stages) {
			return nil, status.Errorf(codes.NotFound, "open: stage %d does not exist (the plan has %d stages)", t.Stage, len(prog.Stages))
		}
		if n := len(prog.Stages[t.Stage].Tiles); t.Tile < 0 || int(t.Tile) >= n {
			return nil, status.Errorf(codes.NotFound, "open: stage %d has no tile %d (it has %d)", t.Stage, t.Tile, n)
		}
		ss.held[tileKey{int(t.Stage), int(t.Tile)}] = true
		ss.stages[int(t.Stage)] = true
	}
	for _, v := range g.Inputs {
		ss.values[v.Name] = v
	}
	for _, n := range g.Nodes {
		for _, o := range n.Outputs {
			if o != nil {
				ss.values[o.Name] = o
			}
		}
	}
	ss.constBytes, ss.keptBytes = keepConstants(prog, ss.stages)
	ss.sparse, ss.unbuilt = sparse, map[tileKey]bool{}
	if len(sparse) > 0 {
		for k := range ss.held {
			if prog.Stages[k.stage].Tiles[k.tile].ChannelTrace() != nil {
				ss.unbuilt[k] = true
			}
		}
	}
	warmed := time.Now()
	ss.warm(ctx, s.log, s.slots)
	ss.touch()
	s.m.sessions.Set(float64(s.putSession(ss)))
	s.log.Info("session opened", "session", ss.id, "model", path, "tiles", len(ss.held), "stages", len(ss.stages),
		"const_bytes", ss.constBytes, "kept_const_bytes", ss.keptBytes, "partly_read_consts", len(sparse), "partly_read_bytes", sparseBytes,
		"warm_up", time.Since(warmed).Round(time.Millisecond))
	return &wirepb.OpenReply{Stages: int32(len(prog.Stages)), ConstBytes: ss.constBytes, KeptConstBytes: ss.keptBytes}, nil
}

// checkWeights refuses a session whose tiles need a constant, or a part
// of one (partial), that this worker's model file does not hold
// (Config.HasWeights).
func (s *Server) checkWeights(g *graphir.Graph, needed map[string]bool, partial map[string][]partition.Box) error {
	if s.cfg.HasWeights == nil {
		return nil
	}
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			if in == nil || !needed[in.Name] {
				continue
			}
			var runs [][2]int64
			if boxes := partial[in.Name]; boxes != nil {
				runs = partition.ByteRuns(in.Shape, boxes, in.DType.Size())
			}
			if !s.cfg.HasWeights(in.Name, runs) {
				what := "weight " + strconv.Quote(in.Name)
				if runs != nil {
					what = fmt.Sprintf("its slice (bytes %d to %d) of weight %q", runs[0][0], runs[len(runs)-1][1], in.Name)
				}
				return status.Errorf(codes.FailedPrecondition, "open: node %q needs %s, which the %s does not hold",
					n.Name, what, s.cfg.WeightsOrigin)
			}
		}
	}
	return nil
}

// keepConstants drops the data of every constant that no node of the kept
// stages reads (graph outputs that are constants stay), so that the worker
// holds only the weights of the layers it runs. It returns the bytes of
// all constants and of those kept. Tiles of other stages cannot run
// afterwards; a worker given more tiles is opened again from its model
// file.
func keepConstants(prog *partition.Program, stages map[int]bool) (total, kept int64) {
	need := map[*graphir.Value]bool{}
	for si := range stages {
		for _, n := range prog.Stages[si].Nodes {
			for _, in := range n.Inputs {
				if in.IsConst() {
					need[in] = true
				}
			}
		}
	}
	for _, v := range prog.Graph.Outputs {
		if v.IsConst() {
			need[v] = true
		}
	}
	seen := map[*graphir.Value]bool{}
	for _, n := range prog.Graph.Nodes {
		for _, in := range n.Inputs {
			if !in.IsConst() || seen[in] {
				continue
			}
			seen[in] = true
			size := int64(in.Shape.Size()) * int64(in.DType.Size()) // data may be left out
			total += size
			if need[in] {
				kept += size
			} else {
				in.Const = nil
			}
		}
	}
	return total, kept
}

// Close implements wirepb.WorkerServer.
func (s *Server) Close(ctx context.Context, req *wirepb.CloseRequest) (*wirepb.CloseReply, error) {
	s.mu.Lock()
	_, ok := s.sessions[req.Session]
	delete(s.sessions, req.Session)
	n := len(s.sessions)
	s.mu.Unlock()
	s.mail.dropSession(req.Session)
	s.m.sessions.Set(float64(n))
	if !ok {
		return nil, status.Errorf(codes.NotFound, "session %q is not open on this worker", req.Session)
	}
	s.log.Info("session closed", "session", req.Session)
	return &wirepb.CloseReply{}, nil
}

// Release implements wirepb.WorkerServer.
func (s *Server) Release(ctx context.Context, req *wirepb.ReleaseRequest) (*wirepb.ReleaseReply, error) {
	s.mail.release(req.Session, req.Runs)
	return &wirepb.ReleaseReply{}, nil
}

// job returns the tile that runs the given tiles of a stage: the tile
// itself, or one tile for their union rectangle (computing the overlap of
// their halos once).
func (ss *session) job(stage int32, tiles []int32) (*partition.Tile, error) {
	prog := ss.prog
	if stage < 0 || int(stage) >= len(prog.Stages) {
		return nil, status.Errorf(codes.NotFound, "stage %d does not exist (the plan has %d stages)", stage, len(prog.Stages))
	}
	st := prog.Stages[stage]
	if len(tiles) == 0 {
		return nil, status.Errorf(codes.InvalidArgument, "stage %d: no tiles named", stage)
	}
	seen := map[int32]bool{}
	for _, t := range tiles {
		if t < 0 || int(t) >= len(st.Tiles) {
			return nil, status.Errorf(codes.NotFound, "stage %d has no tile %d (it has %d)", stage, t, len(st.Tiles))
		}
		if !ss.held[tileKey{int(stage), int(t)}] {
			return nil, status.Errorf(codes.FailedPrecondition, "stage %d tile %d is not opened on this worker", stage, t)
		}
		if seen[t] {
			return nil, status.Errorf(codes.InvalidArgument, "stage %d: tile %d is named twice", stage, t)
		}
		seen[t] = true
	}
	if len(tiles) == 1 {
		return st.Tiles[tiles[0]], nil
	}
	hull, area := graphir.Rect{}, 0
	for i, t := range tiles {
		r := st.Tiles[t].Rect
		if i == 0 {
			hull = r
		} else {
			hull = hull.Hull(r)
		}
		area += r.Area()
	}
	if hull.Area() != area {
		return nil, status.Errorf(codes.InvalidArgument, "stage %d: tiles %v do not form a rectangle", stage, tiles)
	}
	key := fmt.Sprint(stage, hull)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if t, ok := ss.merged[key]; ok {
		return t, nil
	}
	t, err := st.TileFor(hull, st.Tiles[tiles[0]].Device)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "stage %d tiles %v: %v", stage, tiles, err)
	}
	ss.merged[key] = t
	return t, nil
}

// warm builds the executor of every tile the session holds and runs it
// once on zeros (tilerun.Runner.Warm) before the session is used, so the
// first frames cost what the later ones do: measured on 2 local workers,
// ResNet-50's first ~50 frames ran slower while executors were built and
// their memory faulted in (about 15 us a page in a VM), and the memory
// limit (memKeeper) is then set from the heap the session really holds.
// A tile whose warm-up fails is left to its first frame, which reports
// the error where it belongs. Each run takes one of the worker's compute
// slots, as a job does, so warming never competes with more jobs than the
// worker runs at once.
func (ss *session) warm(ctx context.Context, log *slog.Logger, slots chan struct{}) {
	keys := make([]tileKey, 0, len(ss.held))
	for k := range ss.held {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b tileKey) int { return cmp.Or(a.stage-b.stage, a.tile-b.tile) })
	// Warm-up must not cost the open its deadline: it stops once half the
	// time left at its start is spent.
	stop := time.Time{}
	var late <-chan time.Time // a slot held past stop (a profile measuring) ends the warm-up
	if d, ok := ctx.Deadline(); ok {
		stop = time.Now().Add(time.Until(d) / 2)
		late = time.After(time.Until(stop))
	}
	for _, k := range keys {
		if ctx.Err() != nil || (!stop.IsZero() && time.Now().After(stop)) {
			return
		}
		t := ss.prog.Stages[k.stage].Tiles[k.tile]
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		case <-late:
			return
		}
		err := ss.run.Warm(ctx, t)
		<-slots
		if err != nil {
			log.Warn("tile warm-up failed; its first frame builds it", "session", ss.id, "error", err)
			continue
		}
		ss.built(k)
	}
}
