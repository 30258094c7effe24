package profile

import (
	"context"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/edgectl/edgectl/planner/costmodel"
)

func TestGrid_ProbesEveryKind(t *testing.T) {
	benches, err := grid(goruntime.GOARCH, tierName())
	if err != nil {
		t.Fatal(err)
	}
	probes := map[costmodel.Kind]int{}
	seen := map[string]bool{}
	for _, b := range benches {
		if seen[b.String()] {
			t.Errorf("%s listed twice", b)
		}
		seen[b.String()] = true
		if b.probe {
			probes[b.kind]++
		}
		if b.ref == nil {
			t.Errorf("%s has no reference", b)
		}
	}
	for k, n := range probes {
		if n < 4 {
			t.Errorf("kind %s has %d probes: too few sizes to hold any out", k, n)
		}
	}
}

// TestMeasure_TinyBudget measures only the probes (a budget already
// spent when they are done) and checks the profile has a fit for every
// kind the grid measures, with held-out accuracy, that it is a valid file,
// and that progress ends at its total. No timing is asserted.
func TestMeasure_TinyBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("measures 160 micro-benchmarks (10-30 s)")
	}
	var done, total, calls int
	p, err := Measure(context.Background(), Options{Threads: 1, Budget: time.Millisecond, Seed: 3,
		Progress: func(d, n int, what string) { done, total, calls = d, n, calls+1 }})
	if err != nil {
		t.Fatal(err)
	}
	benches, err := grid(goruntime.GOARCH, tierName())
	if err != nil {
		t.Fatal(err)
	}
	probes := 0
	for _, b := range benches {
		if b.probe {
			probes++
			if f, ok := p.Fits[b.kind]; !ok || f.HeldOut == 0 {
				t.Errorf("kind %s: fit %+v, %v", b.kind, f, ok)
			}
		}
	}
	if done != total || total != probes || calls != probes+1 {
		t.Errorf("progress ended at %d of %d after %d calls, want %d probes", done, total, calls, probes)
	}
	if p.Threads != 1 || p.Arch != goruntime.GOARCH || p.Tier != tierName() || len(p.Samples) != probes {
		t.Errorf("profile threads %d arch %s tier %s samples %d", p.Threads, p.Arch, p.Tier, len(p.Samples))
	}
	data, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := costmodel.DecodeProfile("measured.yaml", data); err != nil {
		t.Fatal(err)
	}
}

func TestMeasure_Cancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Measure(ctx, Options{Threads: 1}); err == nil {
		t.Error("a cancelled measurement returned a profile")
	}
}

func TestCheckModel(t *testing.T) {
	b := newBuilder(1)
	y, err := layer(8, 16, 16, 3, 1, relu).build(b)
	if err != nil {
		t.Fatal(err)
	}
	g, _, err := b.finish(y)
	if err != nil {
		t.Fatal(err)
	}
	p := &costmodel.Profile{Arch: goruntime.GOARCH, Tier: tierName(), Threads: 1, Fits: map[costmodel.Kind]costmodel.Fit{}}
	for _, k := range costmodel.Kinds() {
		p.Fits[k] = costmodel.Fit{Const: 1e-3}
	}
	c, err := CheckModel(context.Background(), p, g, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Two nodes (Conv+Relu fused, the Slice) at 1 ms each.
	if c.Predicted != 2*time.Millisecond || c.Runs != 3 || c.Wall <= 0 {
		t.Errorf("check %+v", c)
	}
	if c.Robust <= 0 {
		t.Errorf("no robust time: %+v", c)
	}
}
