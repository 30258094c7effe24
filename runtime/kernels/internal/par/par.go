// Package par runs the tasks of one kernel call on at most the node's
// intra-op thread budget. With one thread everything runs on the calling
// goroutine, so a worker pinned to one thread behaves like a one-core
// device. It imports nothing of edgectl's.
//
// Helpers are goroutines kept in a pool that spin for a short while after
// their last task before they park: a kernel call is often well under a
// millisecond (MobileNetV2 runs ~60 of them in ~10 ms), and waking a
// parked goroutine on another core costs tens of microseconds each time.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
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
	j := &job{f: f, n: int64(n)}
	j.pending.Store(int32(threads - 1))
	spawned.Add(int64(threads - 1))
	var local [maxLocal]*worker
	helpers := local[:0]
	if threads-1 > maxLocal {
		helpers = make([]*worker, 0, threads-1)
	}
	for t := 1; t < threads; t++ {
		w := helper()
		w.give(j)
		helpers = append(helpers, w)
	}
	j.work()
	// The caller has no task left. A helper that has not taken the job
	// yet (its core busy with another process, or parked and not yet
	// woken) is let off: otherwise the call waits for it to wake only to
	// find nothing left. Then wait for the others' last tasks.
	for _, w := range helpers {
		if w.task.CompareAndSwap(j, nil) {
			j.pending.Add(-1)
		}
	}
	for spins := 0; j.pending.Load() != 0; spins++ {
		if spins > 1000 {
			runtime.Gosched()
		}
	}
	// The caller, not each helper, puts them back: the pool's lock and
	// list then stay in this core's cache, and a helper's only write the
	// caller waits for is pending.
	poolMu.Lock()
	idle = append(idle, helpers...)
	poolMu.Unlock()
}

// maxLocal is how many helpers For tracks without allocating.
const maxLocal = 7

type job struct {
	f       func(i int)
	n       int64
	next    atomic.Int64
	pending atomic.Int32 // helpers not done yet
}

func (j *job) work() {
	for {
		i := j.next.Add(1) - 1
		if i >= j.n {
			return
		}
		j.f(int(i))
	}
}

// worker is a pooled helper goroutine.
type worker struct {
	task atomic.Pointer[job]
	wake chan struct{} // a token when a task was given while it parks
}

// spinFor is how long an idle helper polls for a task before it parks.
const spinFor = 200 * time.Microsecond

var (
	poolMu sync.Mutex
	idle   []*worker
)

// helper takes an idle worker from the pool or starts one.
func helper() *worker {
	poolMu.Lock()
	if n := len(idle); n > 0 {
		w := idle[n-1]
		idle = idle[:n-1]
		poolMu.Unlock()
		return w
	}
	poolMu.Unlock()
	w := &worker{wake: make(chan struct{}, 1)}
	go w.loop()
	return w
}

func (w *worker) give(j *job) {
	w.task.Store(j)
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *worker) loop() {
	for {
		j := w.wait()
		j.work()
		j.pending.Add(-1) // For puts this worker back in the pool
	}
}

// wait spins for a task for spinFor, then parks until one is given. It
// takes the task by clearing it, so that For can tell a task taken from
// one it may still take back.
func (w *worker) wait() *job {
	start := time.Now()
	for spins := 0; ; spins++ {
		if j := w.task.Load(); j != nil && w.task.CompareAndSwap(j, nil) {
			return j
		}
		if spins&255 == 255 {
			if time.Since(start) > spinFor {
				break
			}
			runtime.Gosched()
		}
	}
	for {
		<-w.wake
		if j := w.task.Load(); j != nil && w.task.CompareAndSwap(j, nil) {
			return j
		}
	}
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

// Blocks runs f over [0, n) cut into at most perThread chunks per thread
// (bounds multiples of align, except n), handed out as threads come free:
// a helper that starts late, or whose core another process takes for a
// while, then delays the call by a chunk, not by its whole share.
func Blocks(threads, n, align, perThread int, f func(lo, hi int)) {
	if threads <= 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	chunks := min((n+align-1)/align, threads*perThread)
	For(threads, chunks, func(i int) {
		if lo, hi := Range(n, chunks, align, i); lo < hi {
			f(lo, hi)
		}
	})
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

// Spawned counts the tasks For has handed to helper goroutines (tests
// check that a one-thread budget hands none).
func Spawned() int64 { return spawned.Load() }
