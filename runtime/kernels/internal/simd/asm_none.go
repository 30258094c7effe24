//go:build noasm || !(amd64 || arm64)

package simd

// NoAsmBuild is true where this build has no assembly by construction
// (-tags noasm, or an architecture without any).
const NoAsmBuild = true

var asmTierNames []string

func available() []*Ops { return nil }
