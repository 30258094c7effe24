package scratch

import (
	"sync"
	"testing"
)

// TestPool_SequentialLayersShareOneBuffer: layers that run one after
// another, each taking and giving back its scratch, end up sharing one
// buffer of the largest size, whatever order the sizes come in.
func TestPool_SequentialLayersShareOneBuffer(t *testing.T) {
	Reset()
	sizes := []int{1000, 5000, 300, 5000, 2000, 7000, 10, 6999}
	for range 3 { // frames
		for _, n := range sizes {
			b, _ := Get(n)
			if len(*b) != n {
				t.Fatalf("Get(%d) has length %d", n, len(*b))
			}
			(*b)[n-1] = 1
			Put(b)
		}
	}
	if got := Held(); got != 7000 {
		t.Fatalf("pool holds %d floats after 3 frames; want one buffer of the largest size, 7000", got)
	}
	if got := PeakOut(); got != 7000 {
		t.Fatalf("PeakOut %d floats; want 7000, one buffer out at a time", got)
	}
	a, _ := Get(100) // takes the 7000: counted at its capacity
	b, _ := Get(300) // a new one
	if got := PeakOut(); got != 7300 {
		t.Fatalf("PeakOut %d with buffers of 7000 and 300 floats out at once; want 7300", got)
	}
	Put(a)
	Put(b)
}

// TestPool_ConcurrentUsersGetDistinctBuffers: buffers held at once are
// never handed out twice.
func TestPool_ConcurrentUsersGetDistinctBuffers(t *testing.T) {
	Reset()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				n := 100 + (g*37+i*11)%900
				b, _ := Get(n)
				for j := range *b {
					(*b)[j] = float32(g)
				}
				for j := range *b {
					if (*b)[j] != float32(g) {
						t.Errorf("buffer written by another goroutine while held")
						return
					}
				}
				Put(b)
			}
		})
	}
	wg.Wait()
	if Held() > 8*1000 {
		t.Fatalf("pool holds %d floats for 8 users of at most 1000", Held())
	}
}
