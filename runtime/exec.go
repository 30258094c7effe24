package runtime

import (
	"context"
	"fmt"
	"math"
	goruntime "runtime"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/internal/scratch"
	"github.com/edgectl/edgectl/runtime/kernelapi"
)

// Options choose how an executor runs.
type Options struct {
	// Threads for intra-op parallelism; 0 means all cores.
	Threads int
	// MaxPriority caps the kernel implementations used; kernelapi.PriorityReference
	// runs the reference kernels only. 0 with Reference false means no cap.
	MaxPriority int
	Reference   bool
	// Extra are implementations for this executor only (a Wasm plugin chosen
	// for the device class), considered with the registered ones.
	Extra map[graphir.Op][]kernelapi.Impl
	// NoFusion runs g's nodes as they are. By default an executor that may
	// use the fast kernels runs graphir.FuseConvEpilogues(g): activations and residual
	// sums folded into the Convs before them (Graph returns that graph).
	NoFusion bool
	// OnNode, when not nil, is told how long each node's kernel took (i
	// indexes Graph().Nodes); for profiles, it adds a clock read per node.
	OnNode func(i int, d time.Duration)
}

// Executor runs one graph. It is safe for concurrent use: Run keeps its
// state on the stack.
type Executor struct {
	g       *graphir.Graph
	kernels []kernelapi.Kernel
	names   []string
	// overwrites[i]: node i's kernel writes all of its outputs.
	overwrites []bool
	// lastUse[i] lists the values whose last reader is node i.
	lastUse [][]*graphir.Value
	arena   arenaPlan
	onNode  func(i int, d time.Duration)
}

// SharedOutputs is how many node outputs share their arena slot with an
// input their kernel computes in place of (kernelapi.Impl.InPlace).
func (e *Executor) SharedOutputs() int { return len(e.arena.shared) }

// PeakActivationBytes is the size of the activation arena: the most memory
// that intermediate values occupy at once during a run (graph outputs are
// allocated apart).
func (e *Executor) PeakActivationBytes() int64 { return int64(e.arena.size) * 4 }

// New prepares the best kernel of every node of g with default options.
func New(g *graphir.Graph) (*Executor, error) { return NewWithOptions(g, Options{}) }

// NewWithOptions prepares every node's kernel (the best implementation
// allowed by opts) and plans when each intermediate value can be dropped.
func NewWithOptions(g *graphir.Graph, opts Options) (*Executor, error) {
	env := kernelapi.Env{Threads: opts.Threads}
	if env.Threads <= 0 {
		env.Threads = goruntime.GOMAXPROCS(0)
	}
	maxPri := math.MaxInt
	if opts.Reference {
		maxPri = kernelapi.PriorityReference
	} else if opts.MaxPriority > 0 {
		maxPri = opts.MaxPriority
	}
	if maxPri > kernelapi.PriorityReference && !opts.NoFusion {
		g, _ = graphir.FuseConvEpilogues(g, keepsExtra(opts.Extra[graphir.OpConv], env, maxPri))
	}
	e := &Executor{g: g, kernels: make([]kernelapi.Kernel, len(g.Nodes)), names: make([]string, len(g.Nodes)), overwrites: make([]bool, len(g.Nodes)), lastUse: make([][]*graphir.Value, len(g.Nodes)), onNode: opts.OnNode}
	keep := map[*graphir.Value]bool{}
	for _, v := range g.Outputs {
		keep[v] = true
	}
	last := map[*graphir.Value]int{}
	inPlace := make([]int, len(g.Nodes))
	for i, n := range g.Nodes {
		k, impl, err := choose(n, env, maxPri, opts.Extra[n.Op])
		if err != nil {
			return nil, err
		}
		e.kernels[i], e.names[i], e.overwrites[i] = k, impl.Name, impl.Overwrites
		inPlace[i] = -1
		if impl.InPlace != nil && impl.Overwrites {
			inPlace[i] = impl.InPlace(n)
		}
		for _, in := range n.Inputs {
			if in != nil && in.Const == nil {
				last[in] = i
			}
		}
	}
	for v, i := range last {
		if !keep[v] {
			e.lastUse[i] = append(e.lastUse[i], v)
		}
	}
	e.arena = planArena(g, shareable(g, inPlace, last, keep))
	return e, nil
}

// keepsExtra refuses a fusion that would move a Conv off an extra
// implementation (a plugin chosen for the device class) that takes the
// Conv but not its fused form; nil when there is none.
func keepsExtra(extra []kernelapi.Impl, env kernelapi.Env, maxPri int) func(conv, fused *graphir.Node) bool {
	if len(extra) == 0 {
		return nil
	}
	return func(conv, fused *graphir.Node) bool {
		for _, impl := range extra {
			if impl.Priority > maxPri {
				continue
			}
			if k, err := impl.Prepare(conv, env); err == nil && k != nil {
				k2, err := impl.Prepare(fused, env)
				return err == nil && k2 != nil
			}
		}
		return true
	}
}

// KernelName tells which implementation runs node i.
func (e *Executor) KernelName(i int) string { return e.names[i] }

// Graph returns the graph the executor runs: the one it was given, or its
// fused form (Options.NoFusion).
func (e *Executor) Graph() *graphir.Graph { return e.g }

// CheckInputs verifies that inputs hold exactly the graph's inputs with the
// declared types and shapes.
func CheckInputs(g *graphir.Graph, inputs map[string]*graphir.Tensor) error {
	for _, v := range g.Inputs {
		t, ok := inputs[v.Name]
		if !ok {
			return fmt.Errorf("input %q is missing", v.Name)
		}
		if t.DType != v.DType {
			return fmt.Errorf("input %q is %s, model wants %s", v.Name, t.DType, v.DType)
		}
		if !t.Shape.Equal(v.Shape) {
			return fmt.Errorf("input %q has shape %v, model wants %v", v.Name, t.Shape, v.Shape)
		}
		if err := t.Check(); err != nil {
			return fmt.Errorf("input %q: %w", v.Name, err)
		}
	}
	if len(inputs) > len(g.Inputs) {
		for name := range inputs {
			found := false
			for _, v := range g.Inputs {
				found = found || v.Name == name
			}
			if !found {
				return fmt.Errorf("model has no input %q", name)
			}
		}
	}
	return nil
}

// Run computes the graph's outputs, keyed by output name.
func (e *Executor) Run(ctx context.Context, inputs map[string]*graphir.Tensor) (map[string]*graphir.Tensor, error) {
	if err := CheckInputs(e.g, inputs); err != nil {
		return nil, err
	}
	buf := arena(e.arena.size)
	defer scratch.Put(buf)
	vals := make(map[*graphir.Value]*graphir.Tensor, len(e.g.Nodes))
	for _, v := range e.g.Inputs {
		vals[v] = inputs[v.Name]
	}
	for i, n := range e.g.Nodes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ins := make([]*graphir.Tensor, len(n.Inputs))
		for j, v := range n.Inputs {
			if v == nil {
				continue
			}
			if v.Const != nil {
				ins[j] = v.Const
			} else {
				ins[j] = vals[v]
			}
		}
		outs := make([]*graphir.Tensor, len(n.Outputs))
		for j, v := range n.Outputs {
			if v == nil {
				continue
			}
			if off, ok := e.arena.offset[v]; ok {
				data := (*buf)[off : off+v.Shape.Size() : off+v.Shape.Size()]
				if !e.overwrites[i] {
					clear(data) // the kernel may accumulate into its output
				}
				outs[j] = graphir.FromFloats(v.Shape, data)
			} else {
				outs[j] = graphir.NewTensor(v.DType, v.Shape)
			}
		}
		var t0 time.Time
		if e.onNode != nil {
			t0 = time.Now()
		}
		if err := e.kernels[i](n, ins, outs); err != nil {
			return nil, fmt.Errorf("node %s: %w", n, err)
		}
		if e.onNode != nil {
			e.onNode(i, time.Since(t0))
		}
		for j, v := range n.Outputs {
			if v != nil {
				vals[v] = outs[j]
			}
		}
		for _, v := range e.lastUse[i] {
			delete(vals, v)
		}
	}
	res := make(map[string]*graphir.Tensor, len(e.g.Outputs))
	for _, v := range e.g.Outputs {
		if v.Const != nil {
			res[v.Name] = v.Const
		} else {
			res[v.Name] = vals[v]
		}
	}
	return res, nil
}

// arena returns an activation arena of size floats from the process's
// pool (runtime/internal/scratch), which executors share: a worker runs
// the stages it has tiles of one after another, so it holds about the
// largest arena rather than one per stage. A new one is NaN until
// written, so that a kernel that claims Overwrites and leaves an element
// unwritten shows in the outputs (tests compare them); one used before
// holds what its last Run left.
func arena(size int) *[]float32 {
	b, fresh := scratch.Get(size)
	if fresh {
		nan := float32(math.NaN())
		for i := range *b {
			(*b)[i] = nan
		}
	}
	return b
}
