package worker_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/runtime/worker"
	"github.com/edgectl/edgectl/runtime/worker/coord"
	"github.com/edgectl/edgectl/runtime/worker/internal/testutil"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// worker.Run serves /metrics; after a run and a failed call it shows
// tiles, bytes, the time histograms and failures.
func TestRun_Metrics(t *testing.T) {
	tok := testutil.Token()
	ctx, cancel := context.WithCancel(context.Background())
	type addrs struct{ grpc, metrics string }
	ready := make(chan addrs, 1)
	done := make(chan error, 1)
	go func() {
		done <- worker.Run(ctx, worker.Config{DataDir: t.TempDir(), Token: tok}, "127.0.0.1:0", "127.0.0.1:0",
			func(a, m string) { ready <- addrs{a, m} })
	}()
	var a addrs
	select {
	case a = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	g, in := testutil.Model(t, "squeezenet1_1")
	plan, err := planner.SimplePlan(g, 1, planner.Grid{Rows: 2, Cols: 1})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := coord.Dial([]string{a.grpc}, coord.Auth{Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	rctx, rcancel := context.WithTimeout(ctx, time.Minute)
	defer rcancel()
	s, err := cl.Open(rctx, g, plan, coord.Options{NoMerge: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Run(rctx, []map[string]*graphir.Tensor{in}); err != nil {
		t.Fatal(err)
	}
	s.Close(rctx)
	c, _ := dial(t, a.grpc, "")
	c.Close(rctx, &wirepb.CloseRequest{Session: "x"}) // Unauthenticated: a failure

	resp, err := http.Get("http://" + a.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	for _, want := range []string{
		`edgectl_worker_tiles_total{stage="0"}`,
		"edgectl_worker_bytes_received_total",
		"edgectl_worker_bytes_sent_total",
		"edgectl_worker_tile_compute_seconds_bucket",
		"edgectl_worker_tile_queue_seconds_count",
		"edgectl_worker_tile_wait_seconds_count",
		"edgectl_worker_tile_send_seconds_count",
		`edgectl_worker_failures_total{code="Unauthenticated",method="/edgectl.worker.v1.Worker/Close"} 1`,
		"edgectl_worker_sessions 0",
		"edgectl_worker_mailbox_bytes 0",
		"go_goroutines",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(text, "edgectl_worker_bytes_received_total 0\n") {
		t.Error("no bytes received counted")
	}
}
