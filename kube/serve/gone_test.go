package serve_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A client that gives up in the middle of its frame (a timeout, a closed
// connection) does not fail the frame: stopped part way, the frame would
// close the session and every other request would wait seconds for a new
// one. Clients with timeouts from 1 to 40 ms leave while their frames run;
// afterwards the coordinator still has its first session and answers.
func TestServer_ClientGoneKeepsSession(t *testing.T) {
	token := strings.Repeat("t", 32)
	a := buildApp(t, 2)
	var services []*proxy
	for i := range 2 {
		services = append(services, startProxy(t))
		_, addr := startWorker(t, a, i, token)
		services[i].switchTo(addr)
	}
	var logs syncBuffer
	addr, stop, done := startCoordinator(t, a, services, token, &logs)
	defer func() { stop(); <-done }()
	waitReady(t, "http://"+addr+"/readyz")
	url := "http://" + addr + "/v1/infer"
	cl := &clients{url: url, body: a.input}
	full := &http.Client{Timeout: time.Minute}
	if err := cl.one(full); err != nil {
		t.Fatal(err)
	}
	gone := 0
	for ms := 1; ms <= 40; ms += 3 {
		hc := &http.Client{Timeout: time.Duration(ms) * time.Millisecond}
		resp, err := hc.Post(url, "application/x-protobuf", bytes.NewReader(a.input))
		if err != nil {
			gone++
			continue
		}
		resp.Body.Close()
	}
	if gone == 0 {
		t.Fatal("no client gave up: the test needs shorter timeouts")
	}
	for range 3 {
		if err := cl.one(full); err != nil {
			t.Fatalf("after %d clients gave up: %v\n%s", gone, err, logs.String())
		}
	}
	time.Sleep(100 * time.Millisecond) // frames of clients gone finish
	if n := strings.Count(logs.String(), "session open"); n != 1 || strings.Contains(logs.String(), "inference failed") {
		t.Fatalf("%d clients gave up, and the coordinator opened %d sessions (want 1, no failed frame):\n%s", gone, n, logs.String())
	}
}
