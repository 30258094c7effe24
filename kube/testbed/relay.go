package testbed

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// bucket is a token bucket of bytes: rate bytes a second, at most burst
// stored. take blocks until n bytes may pass.
type bucket struct {
	mu     sync.Mutex
	rate   float64 // bytes per second
	burst  float64
	tokens float64
	last   time.Time
	bytes  atomic.Int64 // passed
}

func newBucket(bitsPerSec int64) *bucket {
	b := &bucket{last: time.Now()}
	b.setRate(bitsPerSec)
	b.tokens = b.burst
	return b
}

// setRate sets the rate; the burst is 2 ms of it, at least 16 KiB.
func (b *bucket) setRate(bitsPerSec int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rate = float64(bitsPerSec) / 8
	b.burst = max(16<<10, b.rate*0.002)
}

// take waits until n bytes may pass and takes their tokens.
func (b *bucket) take(n int) {
	b.bytes.Add(int64(n))
	b.mu.Lock()
	now := time.Now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	b.tokens -= float64(n)
	wait := time.Duration(0)
	if b.tokens < 0 {
		wait = time.Duration(-b.tokens / b.rate * float64(time.Second))
	}
	b.mu.Unlock()
	if wait > 0 {
		time.Sleep(wait)
	}
}

// relay is a TCP proxy in front of one local worker whose traffic (both
// directions) passes through a bucket.
type relay struct {
	ln     net.Listener
	target string
	b      *bucket
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed bool
}

func newRelay(target string, b *bucket) (*relay, error) {
	ln, err := net.Listen("tcp", relayAddr)
	if err != nil {
		return nil, err
	}
	r := &relay{ln: ln, target: target, b: b, conns: map[net.Conn]bool{}}
	r.wg.Go(r.serve)
	return r, nil
}

func (r *relay) addr() string { return r.ln.Addr().String() }

func (r *relay) serve() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.wg.Go(func() { r.handle(c) })
	}
}

func (r *relay) track(c net.Conn, on bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if on && r.closed {
		return false
	}
	if on {
		r.conns[c] = true
	} else {
		delete(r.conns, c)
	}
	return true
}

func (r *relay) handle(in net.Conn) {
	out, err := net.Dial("tcp", r.target)
	if err != nil {
		in.Close()
		return
	}
	if !r.track(in, true) || !r.track(out, true) {
		in.Close()
		out.Close()
		return
	}
	var wg sync.WaitGroup
	for _, p := range [][2]net.Conn{{in, out}, {out, in}} {
		wg.Go(func() {
			r.copy(p[1], p[0])
			p[1].(*net.TCPConn).CloseWrite()
		})
	}
	wg.Wait()
	for _, c := range []net.Conn{in, out} {
		c.Close()
		r.track(c, false)
	}
}

// copy copies src to dst in chunks of at most 16 KiB, each through the
// bucket.
func (r *relay) copy(dst, src net.Conn) {
	buf := make([]byte, 16<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			r.b.take(n)
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return
			}
			return
		}
	}
}

func (r *relay) close() {
	r.ln.Close()
	r.mu.Lock()
	r.closed = true
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}
