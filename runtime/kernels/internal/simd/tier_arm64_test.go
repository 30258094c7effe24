//go:build !noasm

package simd

// wantTiers is the assembly tiers this CPU should run: every arm64 CPU has
// NEON.
func wantTiers() []string { return []string{"neon"} }
