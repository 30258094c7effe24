package profile

import (
	"runtime/debug"

	"github.com/edgectl/edgectl/runtime/kernels"
)

// Tier is the kernel tier the executor runs on this machine and build
// (kernels.Tier: avx512, avx2, neon or go), as a profile records it: the
// cost model's kinds and the profile cache's key depend on it.
func Tier() string { return kernels.Tier() }

func tierName() string { return Tier() }

// Host names this machine's CPU (kernels.CPUModel).
func Host() string { return kernels.CPUModel() }

// Build identifies the kernels of this binary for profile caches: the VCS
// revision it was built from ("+dirty" when it had uncommitted changes:
// those builds share one cache); "" when the binary says nothing of its
// source (go test, go run). A profile measured by another build may time
// kernels that have changed since.
func Build() string { return buildID }

var buildID = readBuild()

func readBuild() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" && modified == "true" {
		rev += "+dirty"
	}
	return rev
}
