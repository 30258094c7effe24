package kernels_test

import (
	"math/rand"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernels/internal/par"
	"github.com/edgectl/edgectl/runtime/kernels/kerneltest"
)

// TestThreads_OneStartsNoGoroutine runs every suite's kernels with a
// budget of one thread and checks that none started a goroutine, and that
// a budget of two does use a second one for a large convolution.
func TestThreads_OneStartsNoGoroutine(t *testing.T) {
	saved := kerneltest.Threads
	defer func() { kerneltest.Threads = saved }()
	kerneltest.Threads = []int{1}
	for name, prep := range tiers() {
		before := par.Spawned()
		t.Run(name, func(t *testing.T) {
			kerneltest.Conv2D(t, prep)
			kerneltest.Gemm(t, prep)
			kerneltest.MatMul(t, prep)
			kerneltest.Pool2D(t, prep)
			kerneltest.GlobalPool(t, prep)
			kerneltest.Unary(t, graphir.OpRelu, prep)
			kerneltest.Binary(t, graphir.OpAdd, prep)
		})
		if d := par.Spawned() - before; d != 0 {
			t.Errorf("%s: one-thread kernels started %d goroutines", name, d)
		}
	}
	kerneltest.Threads = []int{2}
	before := par.Spawned()
	big := kerneltest.ConvSpec{N: 1, C: 32, H: 56, W: 56, M: 64, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, Pads: [4]int{1, 1, 1, 1}, Group: 1, Bias: true}
	for _, prep := range tiers() {
		kerneltest.Run(t, prep, []kerneltest.Case{big.Case(newRand())})
	}
	if par.Spawned() == before {
		t.Errorf("a two-thread budget never started a goroutine on a %v convolution", big)
	}
}

func newRand() *rand.Rand { return rand.New(rand.NewSource(11)) }
