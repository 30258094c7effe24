package runtime

import (
	"fmt"
	"sort"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/ref"
)

// Register adds an implementation of op (kernelapi.Register).
func Register(op graphir.Op, impl kernelapi.Impl) { kernelapi.Register(op, impl) }

// Implementations lists the implementations of op, highest priority first,
// the reference kernel last.
func Implementations(op graphir.Op) []kernelapi.Impl {
	out := kernelapi.Registered(op)
	if k, ok := ref.Lookup(op); ok {
		out = append(out, kernelapi.Impl{Name: "ref", Priority: kernelapi.PriorityReference, Prepare: func(*graphir.Node, kernelapi.Env) (kernelapi.Kernel, error) { return k, nil }})
	}
	return out
}

// choose prepares the best implementation for n, among the registered ones
// and extra, whose priority is at most maxPriority.
func choose(n *graphir.Node, env kernelapi.Env, maxPriority int, extra []kernelapi.Impl) (kernelapi.Kernel, kernelapi.Impl, error) {
	list := append(append([]kernelapi.Impl(nil), extra...), Implementations(n.Op)...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Priority > list[j].Priority })
	for _, impl := range list {
		if impl.Priority > maxPriority {
			continue
		}
		k, err := impl.Prepare(n, env)
		if err != nil {
			return nil, kernelapi.Impl{}, fmt.Errorf("node %s: %s kernel: %w", n, impl.Name, err)
		}
		if k != nil {
			return k, impl, nil
		}
	}
	return nil, kernelapi.Impl{}, fmt.Errorf("node %s: no kernel for op %s", n, n.Op)
}
