package kernels_test

import (
	"math/rand"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels"
	"github.com/edgectl/edgectl/runtime/kernels/kerneltest"
)

// tiers are the implementations under test: every tier this build and CPU
// run (go always; avx2 and avx512 where the CPU has them, neon on arm64),
// whatever EDGECTL_KERNELS selects. Each dispatches on the node's op.
func tiers() map[string]kerneltest.Prepare {
	out := map[string]kerneltest.Prepare{}
	add := func(name string, get func(graphir.Op) func(*graphir.Node, kernelapi.Env) (kernelapi.Kernel, error)) {
		out[name] = func(n *graphir.Node, threads int) (kernelapi.Kernel, error) {
			p := get(n.Op)
			if p == nil {
				return nil, nil
			}
			return p(n, kernelapi.Env{Threads: threads})
		}
	}
	for _, tier := range kernels.Tiers() {
		add(tier, func(op graphir.Op) func(*graphir.Node, kernelapi.Env) (kernelapi.Kernel, error) {
			return kernels.PrepareTier(tier, op)
		})
	}
	return out
}

// suite runs fn for each tier and fails if a case outside allowed was
// declined.
func suite(t *testing.T, op graphir.Op, allowed map[string]bool, fn func(*testing.T, kerneltest.Prepare) kerneltest.Stats) {
	for name, prep := range tiers() {
		t.Run(name, func(t *testing.T) {
			st := fn(t, prep)
			for _, c := range st.DeclinedNames {
				if !allowed[c] {
					t.Errorf("declined %s", c)
				}
			}
		})
	}
}

func TestConv2D(t *testing.T) { suite(t, graphir.OpConv, nil, kerneltest.Conv2D) }
func TestGemm(t *testing.T)   { suite(t, graphir.OpGemm, nil, kerneltest.Gemm) }
func TestMatMul(t *testing.T) { suite(t, graphir.OpMatMul, nil, kerneltest.MatMul) }

func TestPool2D(t *testing.T) {
	suite(t, graphir.OpMaxPool, nil, kerneltest.Pool2D)
}

func TestGlobalPool(t *testing.T) {
	suite(t, graphir.OpGlobalAveragePool, nil, kerneltest.GlobalPool)
	suite(t, graphir.OpGlobalMaxPool, nil, kerneltest.GlobalPool)
}

func TestUnary(t *testing.T) {
	for _, op := range []graphir.Op{graphir.OpRelu, graphir.OpLeakyRelu, graphir.OpClip, graphir.OpHardSwish} {
		t.Run(op.String(), func(t *testing.T) {
			suite(t, op, nil, func(t *testing.T, p kerneltest.Prepare) kerneltest.Stats { return kerneltest.Unary(t, op, p) })
		})
	}
}

func TestBinary(t *testing.T) {
	for _, op := range []graphir.Op{graphir.OpAdd, graphir.OpSub, graphir.OpMul, graphir.OpDiv} {
		t.Run(op.String(), func(t *testing.T) {
			allowed := map[string]bool{op.String() + "_[1 4 5 6]x[6]": true}
			suite(t, op, allowed, func(t *testing.T, p kerneltest.Prepare) kerneltest.Stats { return kerneltest.Binary(t, op, p) })
		})
	}
}

func TestSlice(t *testing.T) {
	suite(t, graphir.OpSlice, map[string]bool{"Slice_7_[1 4 10 10]": true, "Slice_8_[1 4 10 10]": true}, kerneltest.Slice)
}

func TestBatchNorm(t *testing.T) {
	suite(t, graphir.OpBatchNormalization, map[string]bool{"BatchNormalization_inputs": true}, kerneltest.BatchNorm)
}

// TestConv2D_WinogradBlocksOnThreads runs the Winograd cases with blocks
// of one tile row, so that with several threads each thread takes whole
// blocks (the path of large planes, whose reference would be slow here).
func TestConv2D_WinogradBlocksOnThreads(t *testing.T) {
	defer func(v int) { *kernels.WinoBandCols = v }(*kernels.WinoBandCols)
	*kernels.WinoBandCols = 1
	r := rand.New(rand.NewSource(3))
	var cases []kerneltest.Case
	for _, s := range kerneltest.ConvCases(2, 0) {
		if s.Winograd {
			cases = append(cases, s.Case(r))
		}
	}
	suite(t, graphir.OpConv, nil, func(t *testing.T, p kerneltest.Prepare) kerneltest.Stats { return kerneltest.Run(t, p, cases) })
}
