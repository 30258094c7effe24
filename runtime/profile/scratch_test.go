package profile

import (
	"context"
	goruntime "runtime"
	"testing"

	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/internal/scratch"
)

// TestScratchBytes_MatchesWinograd runs convolutions that the host's tier
// runs with Winograd (and one it does not) on one and two threads, from an
// empty scratch pool, and checks that the most the pool handed out at once
// is the executor's activation arena plus costmodel.ScratchBytes (on one
// thread exactly; on two at most that and at least one thread's): the
// planner's memory model of Winograd's padded plane and transformed
// blocks. A kernel that changes what it takes fails here.
func TestScratchBytes_MatchesWinograd(t *testing.T) {
	arch, tier := goruntime.GOARCH, tierName()
	specs := []convSpec{
		{cin: 64, cout: 64, h: 224, w: 224, k: 3, stride: 1, pads: [4]int{1, 1, 1, 1}}, // VGG-16's conv1_2
		{cin: 128, cout: 256, h: 56, w: 56, k: 3, stride: 1, pads: [4]int{1, 1, 1, 1}},
		{cin: 256, cout: 256, h: 28, w: 28, k: 3, stride: 1, pads: [4]int{1, 1, 1, 1}},
		{cin: 512, cout: 512, h: 13, w: 13, k: 3, stride: 1, pads: [4]int{1, 1, 1, 1}}, // odd plane
		{cin: 64, cout: 64, h: 56, w: 56, k: 1, stride: 1},                             // not Winograd: no scratch
	}
	winograd := 0
	for _, threads := range []int{1, 2} {
		for _, c := range specs {
			b := newBuilder(1)
			y, err := c.build(b)
			if err != nil {
				t.Fatal(err)
			}
			g, in, err := b.finish(y)
			if err != nil {
				t.Fatal(err)
			}
			e, err := runtime.NewWithOptions(g, runtime.Options{Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			n := e.Graph().Nodes[0]
			kind := costmodel.Classify(n, arch, tier)
			if kind == costmodel.KindWinograd {
				winograd++
			}
			scratch.Reset()
			if _, err := e.Run(context.Background(), in); err != nil {
				t.Fatal(err)
			}
			got := float64(scratch.PeakOut())*4 - float64(e.PeakActivationBytes())
			// With more threads than one, each thread that takes a block
			// holds its own transformed blocks; a helper that starts late
			// may take none, so the model is the most, one thread's the
			// least.
			want, least := costmodel.ScratchBytes(n, kind, threads), costmodel.ScratchBytes(n, kind, 1)
			if got > want || got < least {
				t.Errorf("%s (%s), %d threads: the pool handed out %.0f bytes beside the %d of the arena; costmodel.ScratchBytes says %.0f (one thread's %.0f)",
					c, kind, threads, got, e.PeakActivationBytes(), want, least)
			}
		}
	}
	if winograd == 0 && (tier == "avx512" || tier == "avx2") {
		t.Fatalf("tier %s ran none of the convolutions with Winograd: the test checked nothing of it", tier)
	}
}
