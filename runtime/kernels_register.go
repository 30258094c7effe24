package runtime

import (
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels"
)

// init registers the fast kernels of runtime/kernels: the Go tier at
// PriorityTuned and the assembly tier at PriorityAssembly (it declines
// every node on a machine or build without assembly). It also registers,
// at PriorityReference, the reference behaviour of a Conv with an
// activation or residual sum fused by graphir.FuseConvEpilogues, which
// runtime/ref's Conv kernel does not know.
func init() {
	for _, k := range kernels.Impls() {
		Register(k.Op, k.Impl)
	}
	Register(graphir.OpConv, kernelapi.Impl{Name: "ref-fused", Priority: kernelapi.PriorityReference, Prepare: kernels.PrepareConvReference})
}
