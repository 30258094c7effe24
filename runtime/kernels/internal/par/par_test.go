package par

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestFor runs every index exactly once, from concurrent callers, with
// nested calls, for many rounds (go test -race checks the hand-offs).
func TestFor(t *testing.T) {
	var wg sync.WaitGroup
	for c := 0; c < 4; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 300; round++ {
				n := 1 + round%37
				hits := make([]int32, n*3)
				For(1+round%4, n, func(i int) {
					atomic.AddInt32(&hits[i], 1)
					For(2, 2, func(k int) { atomic.AddInt32(&hits[n+2*i+k], 1) })
				})
				for i, h := range hits {
					if h != 1 {
						t.Errorf("round %d: index %d ran %d times", round, i, h)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestFor_OneThreadHandsNothing(t *testing.T) {
	before := Spawned()
	sum := 0
	For(1, 100, func(i int) { sum += i })
	if Spawned() != before || sum != 4950 {
		t.Fatalf("handed %d tasks, sum %d", Spawned()-before, sum)
	}
}

// TestBlocks covers [0, n) exactly once with chunks whose bounds are
// multiples of align (except n).
func TestBlocks(t *testing.T) {
	for _, c := range []struct{ threads, n, align, per int }{
		{1, 0, 1, 4}, {1, 10, 1, 4}, {2, 1, 1, 4}, {2, 100, 1, 4}, {2, 100, 16, 4}, {3, 1000, 64, 2}, {2, 7, 8, 4},
	} {
		hits := make([]int32, c.n)
		Blocks(c.threads, c.n, c.align, c.per, func(lo, hi int) {
			if lo%c.align != 0 || (hi%c.align != 0 && hi != c.n) || lo >= hi {
				t.Errorf("%+v: chunk [%d, %d)", c, lo, hi)
			}
			for i := lo; i < hi; i++ {
				atomic.AddInt32(&hits[i], 1)
			}
		})
		for i, h := range hits {
			if h != 1 {
				t.Fatalf("%+v: index %d ran %d times", c, i, h)
			}
		}
	}
}

// TestFor_DoesNotWaitForAHelperThatNeverStarts: a helper whose goroutine
// does not run (here: a pooled worker with no goroutine at all; on a
// shared machine, one whose core another process holds) is let off once
// the caller has done every task, instead of waited for.
func TestFor_DoesNotWaitForAHelperThatNeverStarts(t *testing.T) {
	stuck := &worker{wake: make(chan struct{}, 1)}
	poolMu.Lock()
	idle = append(idle, stuck)
	poolMu.Unlock()
	done := make(chan int)
	go func() {
		n := 0
		For(2, 64, func(int) { n++ }) // only the caller runs tasks
		done <- n
	}()
	select {
	case n := <-done:
		if n != 64 {
			t.Fatalf("the caller ran %d of 64 tasks", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("For waited for a helper that never started")
	}
	if stuck.task.Load() != nil {
		t.Fatal("the stuck helper still holds the job")
	}
	poolMu.Lock()
	for i, w := range idle { // do not leave it for other tests
		if w == stuck {
			idle = append(idle[:i], idle[i+1:]...)
			break
		}
	}
	poolMu.Unlock()
}
