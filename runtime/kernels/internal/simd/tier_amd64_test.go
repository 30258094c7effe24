//go:build !noasm

package simd

import "golang.org/x/sys/cpu"

// wantTiers is the assembly tiers this CPU should run, best first, from
// its features as golang.org/x/sys/cpu reports them.
func wantTiers() []string {
	var out []string
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		out = append(out, "avx2")
	}
	return out
}
