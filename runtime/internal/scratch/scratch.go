// Package scratch is the runtime's process-wide pool of float32 work
// buffers: executors' activation arenas and kernels' scratch (Winograd's
// padded planes and transformed blocks, the depthwise and direct
// convolutions' padded planes). Each executor and each kernel used to keep
// its own buffers for as long as it lived, so a worker held the arena of
// every stage it has tiles of (layer-wise VGG-16 on 8 devices, 23 stages:
// about 300 MB for 124 MB of weights and activations) and the scratch of
// every convolution of its tiles at once (a fused VGG-16 tile to pool4:
// 56 MB, more than its weights). Stages and layers run one after another,
// so one pool holds about what the largest needs, times the runs at once.
//
// A buffer comes back with arbitrary contents: a user that relies on
// zeros (a zero border) or wants a poison fill writes it.
package scratch

import (
	"slices"
	"sync"
)

var (
	mu   sync.Mutex
	free []*[]float32 // by capacity, ascending
	// out is the floats handed out and not given back; peak its most
	// since Reset.
	out, peak int
)

// Get returns a buffer of length n, the smallest free one that holds n
// floats, or a new one (fresh: zeros); a free buffer too small for n is
// let go (so that buffers grow to the largest need rather than one per
// size).
func Get(n int) (b *[]float32, fresh bool) {
	if n <= 0 {
		return new([]float32), false
	}
	mu.Lock()
	i, _ := slices.BinarySearchFunc(free, n, func(b *[]float32, n int) int { return cap(*b) - n })
	if i < len(free) {
		b := free[i]
		free = slices.Delete(free, i, i+1)
		out += cap(*b)
		peak = max(peak, out)
		mu.Unlock()
		*b = (*b)[:n]
		return b, false
	}
	if i > 0 { // the largest free buffer is smaller than n: drop it
		free[i-1] = nil
		free = free[:i-1]
	}
	out += n
	peak = max(peak, out)
	mu.Unlock()
	nb := make([]float32, n)
	return &nb, true
}

// Put gives b back for another Get.
func Put(b *[]float32) {
	if b == nil || cap(*b) == 0 {
		return
	}
	mu.Lock()
	i, _ := slices.BinarySearchFunc(free, cap(*b), func(x *[]float32, c int) int { return cap(*x) - c })
	free = slices.Insert(free, i, b)
	out -= cap(*b)
	mu.Unlock()
}

// Reset empties the pool and starts a new peak (tests: the planner's
// memory model is checked against PeakOut on an empty pool).
func Reset() {
	mu.Lock()
	free, out, peak = nil, 0, 0
	mu.Unlock()
}

// PeakOut is the most floats handed out at once since Reset.
func PeakOut() int {
	mu.Lock()
	defer mu.Unlock()
	return peak
}

// Held is the number of floats the pool holds free (for tests and
// memory reports).
func Held() int {
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for _, b := range free {
		n += cap(*b)
	}
	return n
}
