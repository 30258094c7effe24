//go:build !noasm

package simd

import "golang.org/x/sys/cpu"

// wantTiers is the assembly tiers this CPU should run, best first, from
// its features as golang.org/x/sys/cpu reports them.
func wantTiers() []string {
	var out []string
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512VL && cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasBMI2 {
		out = append(out, "avx512")
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		out = append(out, "avx2")
	}
	return out
}
