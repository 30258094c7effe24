package worker

import (
	"math"
	goruntime "runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// HeapHeadroom is how much garbage a worker process lets pile up above
// its live heap before it collects (memKeeper). A worker's heap is mostly
// weights, live for the whole session; GOGC's percentage of that heap let
// a device holding VGG-16's conv5 and FC layers (554 MB) reach 843 MB of
// peak resident memory in 8-device runs, 200 MB of it frames' garbage,
// where a few MB of pieces and outputs arrive a frame. A smaller headroom
// means more collections: each marks little (weights are pointer-free),
// but its two stops wait for kernels in assembly to return. Measured
// (RATIONALE: Memory): YOLOv2 on one 0.2-core device at the same speed
// with 8 MB as with the 24 MB before; VGG-16 streamed on 4 local workers
// of 2 threads each on 2 cores 0-8% slower; 16 MB saved only 4 MB of
// YOLOv2's peak. $GOMEMLIMIT (which turns the keeper off) and $GOGC
// override it.
const HeapHeadroom = 8 << 20

// memKeeper holds the process's soft memory limit (debug.SetMemoryLimit)
// at the live heap plus headroom, so the collector runs when garbage
// reaches the headroom, not when it reaches a share of the weights. It
// sets the limit again after every collection (a cleanup on a sentinel
// object that each collection frees), so when the live heap grows —
// weights read while a session opens, executors built on first frames —
// the next collection moves the limit up with it. The limit is the
// process's, so only Run (one worker a process) keeps one.
//
// It used to lift the limit while a session opened and set it from a
// 1 s ticker. Both let memory through: an opening's garbage reached a
// quarter of the weights' growth at GOGC 25 (the end of an opening set a
// YOLOv2 device's peak), and for up to a second after the live heap grew
// past the limit the collector ran back to back (a local YOLOv2 worker:
// 14 collections in 0.4 s after its session opened).
type memKeeper struct {
	headroom int64
	mu       sync.Mutex
	samples  []rtmetrics.Sample
	stopped  atomic.Bool
}

func newMemKeeper(headroom int64) *memKeeper {
	names := []string{"/gc/heap/live:bytes", "/memory/classes/total:bytes", "/memory/classes/heap/released:bytes",
		"/memory/classes/heap/objects:bytes", "/memory/classes/heap/free:bytes"}
	k := &memKeeper{headroom: headroom}
	for _, n := range names {
		k.samples = append(k.samples, rtmetrics.Sample{Name: n})
	}
	return k
}

// limit is the memory limit for the heap as last measured: the live heap
// plus what the runtime holds beside its objects (stacks, metadata, the
// unused tails of spans) plus headroom, over 0.97: the runtime keeps its
// heap goal 3% under a memory limit (memoryLimitHeapGoalHeadroomPercent in
// runtime/mgcpacer.go), 18 MB of a 600 MB worker.
func (k *memKeeper) limit() int64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	rtmetrics.Read(k.samples)
	v := make([]int64, len(k.samples))
	for i, s := range k.samples {
		if s.Value.Kind() == rtmetrics.KindUint64 {
			v[i] = int64(min(s.Value.Uint64(), math.MaxInt64/4))
		}
	}
	live, total, released, objects, free := v[0], v[1], v[2], v[3], v[4]
	other := max(0, total-released-objects-free)
	return (live+other+k.headroom)*100/97 + 1<<20
}

// update sets the limit from the last collection's live heap.
func (k *memKeeper) update() { debug.SetMemoryLimit(k.limit()) }

// opened is called when a session has opened: it collects what the
// opening left (the limit bounds it, but returning it to the system now
// keeps it out of the next frames' peak).
func (k *memKeeper) opened() {
	if k == nil {
		return
	}
	debug.FreeOSMemory()
	k.update()
}

// run sets the limit now, after every collection, and every period (in
// case a cleanup is late) until stop.
func (k *memKeeper) run(period time.Duration, stop <-chan struct{}) {
	k.update()
	k.arm()
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			k.stopped.Store(true)
			return
		case <-tick.C:
			k.update()
		}
	}
}

// arm leaves a sentinel for the next collection to free; its cleanup
// updates the limit and arms again.
func (k *memKeeper) arm() {
	s := &sentinel{}
	goruntime.AddCleanup(s, func(k *memKeeper) {
		if !k.stopped.Load() {
			k.update()
			k.arm()
		}
	}, k)
}

// sentinel is a heap object for a collection to free. It holds a pointer
// so the allocator does not batch it with other tiny objects.
type sentinel struct{ _ *int }
