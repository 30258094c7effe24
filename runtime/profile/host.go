package profile

import "github.com/edgectl/edgectl/runtime/kernels"

// Tier is the kernel tier the executor runs on this machine and build
// (kernels.Tier: avx512, avx2, neon or go), as a profile records it: the
// cost model's kinds and the profile cache's key depend on it.
func Tier() string { return kernels.Tier() }

func tierName() string { return Tier() }

// Host names this machine's CPU (kernels.CPUModel).
func Host() string { return kernels.CPUModel() }
