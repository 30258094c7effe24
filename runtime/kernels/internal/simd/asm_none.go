//go:build noasm || !(amd64 || arm64)

package simd

// Asm returns nil: this build has no assembly.
func Asm() *Ops { return nil }

// FMAPeak is unavailable without assembly.
func FMAPeak(n int) (flopsPerIter int, ok bool) { return 0, false }
