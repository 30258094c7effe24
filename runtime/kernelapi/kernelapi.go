package kernelapi

import (
	"sort"
	"sync"

	"github.com/edgectl/edgectl/graphir"
)

// Kernel computes a node's outputs into preallocated tensors.
type Kernel func(n *graphir.Node, in []*graphir.Tensor, out []*graphir.Tensor) error

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
	Prepare func(n *graphir.Node, env Env) (Kernel, error)
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
	mu    sync.RWMutex
	impls = map[graphir.Op][]Impl{}
)

// Register adds an implementation of op. Kernel packages call it from init.
func Register(op graphir.Op, impl Impl) {
	mu.Lock()
	defer mu.Unlock()
	list := append(impls[op], impl)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Priority > list[j].Priority })
	impls[op] = list
}

// Registered lists the registered implementations of op, highest priority
// first. The reference kernels of runtime/ref are not among them (the
// executor adds them last).
func Registered(op graphir.Op) []Impl {
	mu.RLock()
	defer mu.RUnlock()
	return append([]Impl(nil), impls[op]...)
}
