package worker

import (
	"math"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"sync/atomic"
	"time"
)

// HeapHeadroom is how much garbage a worker process lets pile up above
// its live heap before it collects (memKeeper), plus 1/32 of the live
// heap. A worker's heap is mostly weights, live for the whole session;
// GOGC's percentage of that heap let a device holding VGG-16's conv5 and
// FC layers (554 MB) reach 843 MB of peak resident memory in 8-device
// runs, 200 MB of it frames' garbage, where a few MB of pieces and
// outputs arrive a frame.
const HeapHeadroom = 24 << 20

// memKeeper holds the process's soft memory limit (debug.SetMemoryLimit)
// at the live heap plus headroom, so the collector runs when garbage
// reaches the headroom, not when it reaches a share of the weights. It
// lifts the limit while a session opens (the heap grows by the weights
// read; a limit under them would collect on every allocation) and sets
// it again from the live heap the next collection measures. The limit is
// the process's, so only Run (one worker a process) keeps one.
type memKeeper struct {
	headroom int64
	opening  atomic.Int32
	samples  []rtmetrics.Sample
}

func newMemKeeper(headroom int64) *memKeeper {
	names := []string{"/gc/heap/live:bytes", "/memory/classes/total:bytes", "/memory/classes/heap/released:bytes",
		"/memory/classes/heap/objects:bytes", "/memory/classes/heap/unused:bytes", "/memory/classes/heap/free:bytes"}
	k := &memKeeper{headroom: headroom}
	for _, n := range names {
		k.samples = append(k.samples, rtmetrics.Sample{Name: n})
	}
	return k
}

// limit is the memory limit for the heap as last measured: the live heap
// plus what the runtime holds beside the heap (stacks, metadata), plus
// headroom and 1/32 of the live heap.
func (k *memKeeper) limit() int64 {
	rtmetrics.Read(k.samples)
	v := make([]int64, len(k.samples))
	for i, s := range k.samples {
		if s.Value.Kind() == rtmetrics.KindUint64 {
			v[i] = int64(min(s.Value.Uint64(), math.MaxInt64/4))
		}
	}
	live, total, released, objects, unused, free := v[0], v[1], v[2], v[3], v[4], v[5]
	other := max(0, total-released-objects-unused-free)
	return live + other + k.headroom + live/32
}

// update sets the limit, or lifts it while a session opens.
func (k *memKeeper) update() {
	if k.opening.Load() > 0 {
		debug.SetMemoryLimit(math.MaxInt64)
		return
	}
	debug.SetMemoryLimit(k.limit())
}

// open marks a session opening until the returned func is called; that
// collects what the opening left and sets the limit again.
func (k *memKeeper) open() (done func()) {
	if k == nil {
		return func() {}
	}
	k.opening.Add(1)
	k.update()
	return func() {
		if k.opening.Add(-1) == 0 {
			debug.FreeOSMemory()
		}
		k.update()
	}
}

// run updates the limit every period until stop: each collection
// measures the live heap again (tiles' executors are built on their
// first frames and add to it).
func (k *memKeeper) run(period time.Duration, stop <-chan struct{}) {
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			k.update()
		}
	}
}
