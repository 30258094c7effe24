package simd

import (
	"fmt"
	"os"
	"strings"
)

// EnvTier names the environment variable that caps the tier Asm selects:
// EDGECTL_KERNELS=avx2 makes an AVX-512 host run the AVX2 tier,
// EDGECTL_KERNELS=go the plain Go one (Asm returns nil). A tier above what
// the CPU has selects the best it has. It is read once, at init.
const EnvTier = "EDGECTL_KERNELS"

var selected, selectErr = choose(os.Getenv(EnvTier), asmTierNames, available())

// Asm returns the selected assembly tier: the best one this CPU and build
// run, at most the one EDGECTL_KERNELS names; nil when there is none (or
// EDGECTL_KERNELS=go).
func Asm() *Ops { return selected }

// Available returns every assembly tier this CPU and build can run, best
// first, whatever EDGECTL_KERNELS says (tests run each of them).
func Available() []*Ops { return available() }

// TierNames returns the names EDGECTL_KERNELS accepts on this build, best
// first: the assembly tiers of this architecture (whether or not the CPU
// has them), then "go".
func TierNames() []string { return append(append([]string(nil), asmTierNames...), "go") }

// SelectionError reports an EDGECTL_KERNELS value that names no tier of
// this build; the selection then ignored it and took the best tier.
func SelectionError() error { return selectErr }

// FMAPeak runs n iterations of the selected tier's register-only FMA loop
// and returns the flops of one iteration; ok is false without assembly.
func FMAPeak(n int) (flopsPerIter int, ok bool) {
	if selected == nil || selected.FMAPeak == nil {
		return 0, false
	}
	return selected.FMAPeak(n), true
}

// choose picks the best of avail (best first) at most as good as the tier
// env names, names being every assembly tier of the build, best first. An
// empty env, or one naming no tier (then with an error), picks the best.
func choose(env string, names []string, avail []*Ops) (*Ops, error) {
	env = strings.ToLower(strings.TrimSpace(env))
	best := func() *Ops {
		if len(avail) == 0 {
			return nil
		}
		return avail[0]
	}
	if env == "" {
		return best(), nil
	}
	if env == "go" {
		return nil, nil
	}
	limit := -1
	for i, n := range names {
		if n == env {
			limit = i
		}
	}
	if limit < 0 {
		return best(), fmt.Errorf("kernels: %s=%q names no kernel tier of this build (want one of %s): using the best the CPU has",
			EnvTier, env, strings.Join(append(append([]string(nil), names...), "go"), ", "))
	}
	for _, o := range avail {
		for i, n := range names {
			if n == o.Name && i >= limit {
				return o, nil
			}
		}
	}
	return nil, nil
}
