package runtime

import (
	"fmt"
	"sort"
	"sync"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/ref"
)

// Priorities of kernel implementations: the executor uses, for each node,
// the highest-priority implementation that accepts it.
const (
	PriorityReference = 0  // plain Go, runtime/ref
	PriorityTuned     = 10 // tuned Go
	PriorityAssembly  = 20 // assembly micro-kernels
	PriorityPlugin    = 30 // a Wasm plugin chosen for the device class
)

// Env is what an implementation may use when it prepares a node.
type Env struct {
	// Threads is the number of threads a kernel may use inside one node
	// (intra-op parallelism); 1 means run on the calling goroutine only.
	Threads int
}

// Impl is one implementation of an op.
type Impl struct {
	Name     string
	Priority int
	// Prepare inspects a checked node once, at executor creation, and
	// returns its kernel (weights packed, scratch planned), or nil when this
	// implementation does not handle the node (a shape, attribute or data
	// type it does not cover).
	Prepare func(n *graphir.Node, env Env) (ref.Kernel, error)
	// Overwrites says the kernels write every element of their outputs, so
	// the executor need not clear an output before the kernel runs.
	Overwrites bool
	// InPlace, when set, names for a node the input whose buffer its
	// kernel may also use as its output (-1 for none): the kernel reads
	// each element of that input only where and before it writes the same
	// element of the output. The executor then gives both one arena slot
	// when the input has no later reader, saving a copy and memory.
	InPlace func(n *graphir.Node) int
}

var (
	implMu sync.RWMutex
	impls  = map[graphir.Op][]Impl{}
)

// Register adds an implementation of op. Kernel packages call it from init.
func Register(op graphir.Op, impl Impl) {
	implMu.Lock()
	defer implMu.Unlock()
	list := append(impls[op], impl)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Priority > list[j].Priority })
	impls[op] = list
}

// Implementations lists the implementations of op, highest priority first,
// the reference kernel last.
func Implementations(op graphir.Op) []Impl {
	implMu.RLock()
	defer implMu.RUnlock()
	out := append([]Impl(nil), impls[op]...)
	if k, ok := ref.Lookup(op); ok {
		out = append(out, Impl{Name: "ref", Priority: PriorityReference, Prepare: func(*graphir.Node, Env) (ref.Kernel, error) { return k, nil }})
	}
	return out
}

// choose prepares the best implementation for n, among the registered ones
// and extra, whose priority is at most maxPriority.
func choose(n *graphir.Node, env Env, maxPriority int, extra []Impl) (ref.Kernel, Impl, error) {
	list := append(append([]Impl(nil), extra...), Implementations(n.Op)...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Priority > list[j].Priority })
	for _, impl := range list {
		if impl.Priority > maxPriority {
			continue
		}
		k, err := impl.Prepare(n, env)
		if err != nil {
			return nil, Impl{}, fmt.Errorf("node %s: %s kernel: %w", n, impl.Name, err)
		}
		if k != nil {
			return k, impl, nil
		}
	}
	return nil, Impl{}, fmt.Errorf("node %s: no kernel for op %s", n, n.Op)
}
