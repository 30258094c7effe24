package tilerun

import (
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/partition"
)

// Options choose how tiles run.
type Options struct {
	// Runtime chooses the kernels and threads of every tile's executor
	// (runtime.NewWithOptions); the zero value picks the best registered
	// kernels and all cores.
	Runtime runtime.Options
}

// Runner runs the tiles of one compiled program. Executors are built on a
// tile's first Run and shared by the tiles of a stage that have the same
// geometry. It is safe for concurrent use.
type Runner struct {
	prog   *partition.Program
	opts   Options
	maxPri int

	mu     sync.Mutex
	tiles  map[*partition.Tile]*tileOnce
	shared map[string]*tileExec // by stage and tile-graph signature
}

// tileExec is a prepared tile graph; tiles of one geometry share it.
type tileExec struct {
	g  *graphir.Graph
	ex *runtime.Executor
}

// tileOnce builds one tile's executor once.
type tileOnce struct {
	once sync.Once
	exec *tileExec
	err  error
}

// New returns a runner for prog.
func New(prog *partition.Program, opts Options) *Runner {
	r := &Runner{prog: prog, opts: opts, maxPri: math.MaxInt,
		tiles: map[*partition.Tile]*tileOnce{}, shared: map[string]*tileExec{}}
	if opts.Runtime.Reference {
		r.maxPri = kernelapi.PriorityReference
	} else if opts.Runtime.MaxPriority > 0 {
		r.maxPri = opts.Runtime.MaxPriority
	}
	return r
}

// Compile compiles plan for g (partition.Compile) and returns its runner.
func Compile(g *graphir.Graph, plan *graphir.Plan, opts Options) (*Runner, error) {
	p, err := partition.Compile(g, plan)
	if err != nil {
		return nil, err
	}
	return New(p, opts), nil
}

// Program is the program the runner runs.
func (r *Runner) Program() *partition.Program { return r.prog }

// executor builds (once) the tile's executor, sharing one with any tile of
// the stage that has the same geometry.
func (r *Runner) executor(t *partition.Tile) (*tileExec, error) {
	r.mu.Lock()
	o := r.tiles[t]
	if o == nil {
		o = &tileOnce{}
		r.tiles[t] = o
	}
	r.mu.Unlock()
	o.once.Do(func() {
		b, err := build(t)
		if err == nil {
			o.exec, err = r.share(t.Of(), b)
		}
		if err != nil {
			o.err = fmt.Errorf("stage %d %q tile %d: %w", t.Stage, t.Of().Name, t.Index, err)
		}
	})
	return o.exec, o.err
}

// share returns the stage's executor for b's geometry, building it first.
func (r *Runner) share(s *partition.Stage, b *builder) (*tileExec, error) {
	key := fmt.Sprintf("%d;%s", s.Index, b.sig.String())
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.shared[key]; ok {
		return e, nil
	}
	opts := r.opts.Runtime
	if len(b.custom) > 0 {
		extra := make(map[graphir.Op][]kernelapi.Impl, len(opts.Extra)+2)
		for op, l := range opts.Extra {
			extra[op] = l
		}
		custom := b.custom
		impl := kernelapi.Impl{Name: "partition-tile", Priority: r.maxPri,
			Prepare: func(n *graphir.Node, _ kernelapi.Env) (kernelapi.Kernel, error) { return custom[n], nil }}
		for _, n := range b.g.Nodes {
			if _, ok := custom[n]; ok {
				extra[n.Op] = append([]kernelapi.Impl{impl}, extra[n.Op]...)
			}
		}
		opts.Extra = extra
	}
	ex, err := runtime.NewWithOptions(b.g, opts)
	if err != nil {
		return nil, err
	}
	e := &tileExec{g: b.g, ex: ex}
	r.shared[key] = e
	return e, nil
}

// Cuts counts the Slice nodes tile t's graph gets: the crops of values
// read with a smaller box than the tile holds (the planner prices them;
// its tests compare).
func Cuts(t *partition.Tile) (int, error) {
	b, err := build(t)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, nd := range b.g.Nodes {
		if nd.Op == graphir.OpSlice && strings.HasPrefix(nd.Name, cutPrefix) {
			n++
		}
	}
	return n, nil
}
