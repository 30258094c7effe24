// Package par runs the tasks of one kernel call on at most the node's
// intra-op thread budget. With one thread everything runs on the calling
// goroutine, so a worker pinned to one thread behaves like a one-core
// device. It imports nothing of edgectl's.
package par

import (
	"sync"
	"sync/atomic"
)

// For runs f(0) ... f(n-1) on at most threads goroutines, the caller's
// included, and returns when all are done. Tasks are handed out in order.
func For(threads, n int, f func(i int)) {
	if threads > n {
		threads = n
	}
	if threads <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var next atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1)) - 1
			if i >= n {
				return
			}
			f(i)
		}
	}
	var wg sync.WaitGroup
	wg.Add(threads - 1)
	spawned.Add(int64(threads - 1))
	for t := 1; t < threads; t++ {
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
}

// Range splits [0, n) into at most parts contiguous chunks whose bounds are
// multiples of align (except n) and returns chunk i of them.
func Range(n, parts, align, i int) (lo, hi int) {
	units := (n + align - 1) / align
	per, extra := units/parts, units%parts
	lo = i*per + min(i, extra)
	hi = lo + per
	if i < extra {
		hi++
	}
	return min(lo*align, n), min(hi*align, n)
}

// Chunks is how many threads to use for n units of work of unit cost c
// (any unit), given that one thread should get at least minWork of it.
func Chunks(threads int, work, minWork float64) int {
	if threads <= 1 || work < 2*minWork {
		return 1
	}
	t := int(work / minWork)
	return max(1, min(threads, t))
}

var spawned atomic.Int64

// Spawned counts the goroutines For has started (tests check that a
// one-thread budget starts none).
func Spawned() int64 { return spawned.Load() }
