// Package stash keeps scratch buffers for reuse between calls.
//
// sync.Pool would do, except that every garbage collection empties it
// (over two cycles): the next inference then allocates and page-faults its
// arena and every kernel's scratch again, megabytes at a time. A stash
// keeps what was put back until the stash itself is dropped, so it holds
// at most as many buffers as were ever in use at once. It imports nothing
// of edgectl's.
package stash

import "sync"

// Stash is a free list of T; New makes one when the list is empty. The
// zero Stash with New set is ready to use, and it is safe for concurrent
// use.
type Stash[T any] struct {
	New  func() T
	mu   sync.Mutex
	free []T
}

// Get takes a kept value, or makes one.
func (s *Stash[T]) Get() T {
	s.mu.Lock()
	if n := len(s.free); n > 0 {
		x := s.free[n-1]
		var zero T
		s.free[n-1] = zero
		s.free = s.free[:n-1]
		s.mu.Unlock()
		return x
	}
	s.mu.Unlock()
	return s.New()
}

// Put keeps x for a later Get.
func (s *Stash[T]) Put(x T) {
	s.mu.Lock()
	s.free = append(s.free, x)
	s.mu.Unlock()
}
