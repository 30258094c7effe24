//go:build noasm || !(amd64 || arm64)

package simd

// wantTiers is empty: this build has no assembly.
func wantTiers() []string { return nil }
