package testbed

import (
	"bytes"
	"io"
	"net"
	"os"
	"testing"
)

// A relay passes bytes both ways unchanged and counts them in its bucket.
func TestRelay_PassesAndCounts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(c, c) // echo
		c.Close()
	}()
	b := newBucket(1e9)
	r, err := newRelay(ln.Addr().String(), b)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	c, err := net.Dial("tcp", r.addr())
	if err != nil {
		t.Fatal(err)
	}
	msg := bytes.Repeat([]byte("edgectl "), 40000) // 320 KB: several chunks
	go func() {
		c.Write(msg)
		c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("echoed %d bytes, want the %d sent", len(got), len(msg))
	}
	if n := b.bytes.Load(); n != 2*int64(len(msg)) {
		t.Errorf("the bucket counted %d bytes, want %d (both directions)", n, 2*len(msg))
	}
}

func TestStartTime(t *testing.T) {
	a, err := startTime(os.Getpid())
	if err != nil || a == 0 {
		t.Fatalf("startTime(self) = %d, %v", a, err)
	}
	if b, _ := startTime(os.Getpid()); b != a {
		t.Errorf("start time changed: %d then %d", a, b)
	}
	if _, err := startTime(1 << 30); err == nil {
		t.Error("a pid that does not exist has a start time")
	}
}
