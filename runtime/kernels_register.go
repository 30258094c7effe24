package runtime

import (
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernels"
	"github.com/edgectl/edgectl/runtime/ref"
)

// init registers the fast kernels of runtime/kernels: the Go tier at
// PriorityTuned and the assembly tier at PriorityAssembly (it declines
// every node on a machine or build without assembly). It also registers,
// at PriorityReference, the reference behaviour of a Conv with an
// activation fused by kernels.FuseActivations, which runtime/ref's Conv
// kernel does not know.
func init() {
	for _, k := range kernels.Impls() {
		pri := PriorityTuned
		if k.Asm {
			pri = PriorityAssembly
		}
		prepare := k.Prepare
		Register(k.Op, Impl{Name: "kernels-" + k.Name, Priority: pri, Overwrites: true, InPlace: k.InPlace, Prepare: func(n *graphir.Node, env Env) (ref.Kernel, error) {
			return prepare(n, kernels.Env{Threads: env.Threads})
		}})
	}
	Register(graphir.OpConv, Impl{Name: "ref-fused", Priority: PriorityReference, Prepare: func(n *graphir.Node, env Env) (ref.Kernel, error) {
		return kernels.PrepareConvReference(n, kernels.Env{Threads: env.Threads})
	}})
}
