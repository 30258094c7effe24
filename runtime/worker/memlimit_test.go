package worker

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestMemKeeper_Limit: the limit sits above the live heap by the headroom
// (plus the runtime's own memory and 1/32 of the heap), is lifted while a
// session opens, and comes back when the opening ends.
func TestMemKeeper_Limit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	keep := make([]byte, 64<<20) // 64 MB live, as weights are
	for i := range keep {
		keep[i] = byte(i)
	}
	runtime.GC()
	k := newMemKeeper(8 << 20)
	lim := k.limit()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if lim < int64(len(keep))+8<<20 || lim > int64(ms.Sys)+8<<20+int64(ms.HeapAlloc)/32 {
		t.Fatalf("limit %d MB with %d MB live (heap %d MB, from the OS %d MB): want live + 8 MB headroom and little more",
			lim>>20, len(keep)>>20, ms.HeapAlloc>>20, ms.Sys>>20)
	}
	done := k.open()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("while opening the limit is %d; want it lifted", got)
	}
	done()
	if got := debug.SetMemoryLimit(-1); got == math.MaxInt64 || got < int64(len(keep)) {
		t.Fatalf("after opening the limit is %d; want it set again above the %d live bytes", got, len(keep))
	}
	runtime.KeepAlive(keep)
	var none *memKeeper
	none.open()() // a server without a keeper (tests, several servers a process)
}
