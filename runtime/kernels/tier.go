package kernels

import (
	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

// Tier returns the name of the tier the "kernels-asm" implementations run:
// "avx512", "avx2" (amd64), "neon" (arm64), or "go" when there is no
// assembly (other CPUs, -tags noasm, EDGECTL_KERNELS=go; then only the
// "kernels-go" implementations run).
//
// The tier is chosen once, at init: the best this CPU and operating system
// support, capped by the environment variable EDGECTL_KERNELS (avx512,
// avx2, neon or go: the named tier or the best below it). A value naming
// no tier of the build is ignored (the best tier runs) and reported by
// TierError.
func Tier() string {
	if o := simd.Asm(); o != nil {
		return o.Name
	}
	return "go"
}

// TierError reports an EDGECTL_KERNELS value that names no tier of this
// build (the selection then took the best tier), nil otherwise.
func TierError() error { return simd.SelectionError() }

// Tiers returns the names of every tier this CPU and build can run, best
// first, "go" last, whatever EDGECTL_KERNELS says: the tiers tests and
// comparisons can ask PrepareTier for.
func Tiers() []string {
	var out []string
	for _, o := range simd.Available() {
		out = append(out, o.Name)
	}
	return append(out, "go")
}

// PrepareTier returns the Prepare of op in the named tier (one of Tiers),
// nil when op has no kernel or this machine cannot run the tier.
func PrepareTier(tier string, op graphir.Op) func(n *graphir.Node, env kernelapi.Env) (kernelapi.Kernel, error) {
	if tier == "go" {
		return PrepareGo(op)
	}
	for _, o := range simd.Available() {
		if o.Name == tier {
			return prepareWith(op, o)
		}
	}
	return nil
}
