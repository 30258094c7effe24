package kernels_test

import (
	"slices"
	"testing"

	"github.com/edgectl/edgectl/runtime/kernels"
)

// TestTier checks the exported tier report against itself: the active
// tier is one of those the machine runs, the assembly tier exists exactly
// when it is not "go", and the FMA peak loop runs exactly then.
func TestTier(t *testing.T) {
	tier, tiers := kernels.Tier(), kernels.Tiers()
	if !slices.Contains(tiers, tier) || tiers[len(tiers)-1] != "go" {
		t.Fatalf("tier %q, tiers %q", tier, tiers)
	}
	if kernels.HaveAsm() != (tier != "go") {
		t.Fatalf("tier %q but HaveAsm %v", tier, kernels.HaveAsm())
	}
	per, ok := kernels.FMAPeak(1)
	if ok != (tier != "go") || (ok && per <= 0) {
		t.Fatalf("tier %q: FMAPeak = %d, %v", tier, per, ok)
	}
	for _, name := range tiers {
		if kernels.PrepareTier(name, kernels.Ops()[0]) == nil {
			t.Errorf("no Prepare for tier %q", name)
		}
	}
	if kernels.PrepareTier("no-such-tier", kernels.Ops()[0]) != nil {
		t.Error("a Prepare for an unknown tier")
	}
	if err := kernels.TierError(); err != nil {
		t.Logf("EDGECTL_KERNELS: %v", err)
	}
}
