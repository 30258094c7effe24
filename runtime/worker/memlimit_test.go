package worker

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestMemKeeper_Limit: the limit sits above the live heap by the headroom
// (plus the runtime's own memory, over the 97% of a limit the runtime's
// heap goal keeps under), and it follows the live heap up after a
// collection, without waiting for the ticker.
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
	if lim < (int64(len(keep))+8<<20)*100/97 || lim > (int64(ms.Sys)+8<<20)*100/97+1<<20 {
		t.Fatalf("limit %d MB with %d MB live (heap %d MB, from the OS %d MB): want live + 8 MB headroom and little more",
			lim>>20, len(keep)>>20, ms.HeapAlloc>>20, ms.Sys>>20)
	}
	stop := make(chan struct{})
	defer close(stop)
	go k.run(time.Hour, stop) // only collections update it
	deadline := time.Now().Add(10 * time.Second)
	for debug.SetMemoryLimit(-1) < int64(len(keep)) {
		if time.Now().After(deadline) {
			t.Fatalf("run did not set the limit: %d", debug.SetMemoryLimit(-1))
		}
		time.Sleep(time.Millisecond)
	}
	more := make([]byte, 96<<20) // the live heap grows, as when a session opens
	for i := range more {
		more[i] = byte(i)
	}
	for debug.SetMemoryLimit(-1) < int64(len(keep)+len(more)) {
		if time.Now().After(deadline) {
			t.Fatalf("after the live heap grew to %d MB the limit is %d MB: a collection should have raised it",
				(len(keep)+len(more))>>20, debug.SetMemoryLimit(-1)>>20)
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	runtime.KeepAlive(keep)
	runtime.KeepAlive(more)
	var none *memKeeper
	none.opened() // a server without a keeper (tests, several servers a process)
}
