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
		t.Skip("measures 160 micro-benchmarks twice (20-60 s)")
	}
	var done, total, calls int
	p, err := Measure(context.Background(), Options{Threads: 1, Budget: time.Millisecond, Seed: 3, Visits: 2,
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
	if done != total || total != 2*probes || calls != 2*probes+1 {
		t.Errorf("progress ended at %d of %d after %d calls, want 2 visits of %d probes", done, total, calls, probes)
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

// TestGrid_BigSizesHaveABigReference: sizes past a core's cache are
// paired with a reference as large, and the kinds that have enough of
// them have two references.
func TestGrid_BigSizesHaveABigReference(t *testing.T) {
	benches, err := grid(goruntime.GOARCH, tierName())
	if err != nil {
		t.Fatal(err)
	}
	work := map[string]costmodel.Work{}
	for _, b := range benches {
		work[b.String()] = b.work
	}
	refs := map[costmodel.Kind]map[string]bool{}
	big := map[costmodel.Kind]int{}
	for _, b := range benches {
		if refs[b.kind] == nil {
			refs[b.kind] = map[string]bool{}
		}
		refs[b.kind][b.ref.String()] = true
		if footprint(b.work) >= bigFootprint {
			big[b.kind]++
		}
	}
	for _, b := range benches {
		if big[b.kind] >= minBig && footprint(b.work) >= bigFootprint && footprint(work[b.ref.String()]) < bigFootprint {
			t.Errorf("%s (%.0f bytes) is paired with %s (%.0f bytes)", b, footprint(b.work), b.ref, footprint(work[b.ref.String()]))
		}
	}
	two := 0
	for k, r := range refs {
		if len(r) > 2 {
			t.Errorf("%s has %d references", k, len(r))
		}
		if len(r) == 2 {
			two++
		}
	}
	if two < 5 {
		t.Errorf("%d kinds have a reference for their large sizes, want most", two)
	}
}

// TestPairRatio_DropsDisturbedPairs: two of seven pairs whose reference
// run took twice its median were disturbed (the bench was slowed by half
// as much), and do not count; with too few clean pairs all count.
func TestPairRatio_DropsDisturbedPairs(t *testing.T) {
	us := time.Microsecond
	ds := []time.Duration{200 * us, 150 * us, 200 * us, 150 * us, 200 * us, 200 * us, 200 * us}
	rs := []time.Duration{100 * us, 200 * us, 100 * us, 200 * us, 100 * us, 100 * us, 100 * us}
	if got := pairRatio(ds, rs, 100*us); got != 2 {
		t.Errorf("ratio %v, want 2 (the undisturbed pairs')", got)
	}
	// Without a median yet every pair counts: the median of 2,2,2,2,2 and
	// two of 0.75 is still 2, so make the disturbed ones the majority.
	ds2 := []time.Duration{150 * us, 150 * us, 150 * us, 150 * us, 200 * us, 200 * us}
	rs2 := []time.Duration{200 * us, 200 * us, 200 * us, 200 * us, 100 * us, 100 * us}
	if got := pairRatio(ds2, rs2, 100*us); got != 0.75 {
		t.Errorf("with 2 clean pairs of 6: ratio %v, want 0.75 (all pairs' median)", got)
	}
	if got := pairRatio(ds, rs, 0); got != 2 {
		t.Errorf("no median yet: ratio %v, want all pairs' median 2", got)
	}
	if !undisturbed(125*us, 100*us) || undisturbed(126*us, 100*us) {
		t.Errorf("the threshold is %v times the median", disturbed)
	}
}

func TestVisitMedian(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{
		{[]float64{2}, 2},
		{[]float64{3, 1}, 2},
		{[]float64{1, 5, 2}, 2},         // one visit far off does not count
		{[]float64{1.9, 1.0, 2.1}, 1.9}, // nor one far low
	} {
		if got := visitMedian(tc.xs); got != tc.want {
			t.Errorf("visitMedian(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
}
