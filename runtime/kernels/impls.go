package kernels

import (
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

// OpImpl is one implementation of one op: the Go tier ("kernels-go",
// kernelapi.PriorityTuned) or the assembly tier ("kernels-asm",
// kernelapi.PriorityAssembly).
type OpImpl struct {
	Op graphir.Op
	kernelapi.Impl
}

type prepareFunc func(n *graphir.Node, env kernelapi.Env, ops *simd.Ops) (kernelapi.Kernel, error)

var prepares = map[graphir.Op]prepareFunc{
	graphir.OpConv:               prepareConv,
	graphir.OpGemm:               prepareGemm,
	graphir.OpMatMul:             prepareMatMul,
	graphir.OpMaxPool:            preparePool,
	graphir.OpAveragePool:        preparePool,
	graphir.OpGlobalAveragePool:  prepareGlobalPool,
	graphir.OpGlobalMaxPool:      prepareGlobalPool,
	graphir.OpRelu:               prepareUnary,
	graphir.OpLeakyRelu:          prepareUnary,
	graphir.OpClip:               prepareUnary,
	graphir.OpHardSwish:          prepareUnary,
	graphir.OpAdd:                prepareBinary,
	graphir.OpSub:                prepareBinary,
	graphir.OpMul:                prepareBinary,
	graphir.OpDiv:                prepareBinary,
	graphir.OpBatchNormalization: prepareBatchNorm,
	graphir.OpSlice:              prepareSlice,
}

// Ops lists the ops this package has kernels for.
func Ops() []graphir.Op {
	var out []graphir.Op
	for _, op := range graphir.Ops() {
		if prepares[op] != nil {
			out = append(out, op)
		}
	}
	return out
}

// HaveAsm reports whether the assembly tier runs on this machine and build.
func HaveAsm() bool { return simd.Asm() != nil }

// Impls lists every implementation: for each op a Go tier and an assembly
// tier (whose Prepare declines every node when HaveAsm is false). Their
// kernels write every element of their outputs.
func Impls() []OpImpl {
	var out []OpImpl
	for _, op := range Ops() {
		var inPlace func(n *graphir.Node) int
		if op == graphir.OpConv {
			inPlace = convInPlace
		}
		out = append(out,
			OpImpl{op, kernelapi.Impl{Name: "kernels-go", Priority: kernelapi.PriorityTuned, Overwrites: true, Prepare: PrepareGo(op), InPlace: inPlace}},
			OpImpl{op, kernelapi.Impl{Name: "kernels-asm", Priority: kernelapi.PriorityAssembly, Overwrites: true, Prepare: PrepareAsm(op), InPlace: inPlace}})
	}
	return out
}

// PrepareGo returns the Go tier's Prepare for op, nil if there is none.
func PrepareGo(op graphir.Op) func(n *graphir.Node, env kernelapi.Env) (kernelapi.Kernel, error) {
	return prepareWith(op, simd.Go())
}

// PrepareAsm returns the assembly tier's Prepare for op (declining every
// node when this machine or build has no assembly), nil if there is none.
func PrepareAsm(op graphir.Op) func(n *graphir.Node, env kernelapi.Env) (kernelapi.Kernel, error) {
	return prepareWith(op, simd.Asm())
}

func prepareWith(op graphir.Op, ops *simd.Ops) func(n *graphir.Node, env kernelapi.Env) (kernelapi.Kernel, error) {
	f := prepares[op]
	if f == nil {
		return nil
	}
	return func(n *graphir.Node, env kernelapi.Env) (kernelapi.Kernel, error) {
		if ops == nil || n.Op != op {
			return nil, nil
		}
		env.Threads = max(1, env.Threads)
		return f(n, env, ops)
	}
}

// floatIn reports whether input i is present and float32.
func floatIn(n *graphir.Node, i int) bool {
	v := n.In(i)
	return v != nil && v.DType == graphir.Float32
}

// ints reads a normalised ints attribute as ints.
func ints(n *graphir.Node, name string) []int {
	v := n.Attrs[name].Ints
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}
