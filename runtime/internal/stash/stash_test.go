package stash

import (
	"runtime"
	"sync"
	"testing"
)

func TestStash_KeepsAcrossGC(t *testing.T) {
	made := 0
	s := Stash[*[]float32]{New: func() *[]float32 { made++; b := make([]float32, 1<<20); return &b }}
	b := s.Get()
	(*b)[0] = 42
	s.Put(b)
	runtime.GC()
	runtime.GC()
	if c := s.Get(); made != 1 || (*c)[0] != 42 {
		t.Fatalf("after GC: made %d buffers, got element %v; want the kept one", made, (*c)[0])
	}
}

func TestStash_Concurrent(t *testing.T) {
	var mu sync.Mutex
	made := 0
	s := Stash[*int]{New: func() *int { mu.Lock(); made++; mu.Unlock(); return new(int) }}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				x := s.Get()
				*x++
				s.Put(x)
			}
		}()
	}
	wg.Wait()
	if made < 1 || made > 8 {
		t.Fatalf("made %d values for 8 goroutines, want 1-8", made)
	}
	total := 0
	for len(s.free) > 0 {
		total += *s.Get()
	}
	if total != 8000 {
		t.Fatalf("increments %d, want 8000 (a value was shared)", total)
	}
}
