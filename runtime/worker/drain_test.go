package worker_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/worker"
	"github.com/edgectl/edgectl/runtime/worker/internal/testutil"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// A draining worker says NOT_SERVING (readiness) but stays alive
// (liveness), refuses new sessions, keeps the open one, and is done once
// its coordinator closes it.
func TestServer_Drain(t *testing.T) {
	tok := testutil.Token()
	ss := testutil.StartServers(t, 1, tok, nil)
	c, h := dial(t, ss[0].Addr, tok)
	g := reluGraph(t, graphir.Shape{1, 2, 8, 8})
	plan := planJSON(t, twoStages(t, 2, g))
	sha := upload(t, c, edgeir(t, g))
	open := func(id string) error {
		_, err := c.Open(tctx(t), &wirepb.OpenRequest{Session: id, Model: &wirepb.OpenRequest_Sha256{Sha256: sha}, Plan: plan,
			Tiles: []*wirepb.TileRef{{Stage: 0, Tile: 0}}})
		return err
	}
	if err := open("old"); err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() { done <- ss[0].Drain(context.Background()) }()
	status := func(service string) healthpb.HealthCheckResponse_ServingStatus {
		r, err := h.Check(tctx(t), &healthpb.HealthCheckRequest{Service: service})
		if err != nil {
			t.Fatal(err)
		}
		return r.Status
	}
	for status("") != healthpb.HealthCheckResponse_NOT_SERVING {
		time.Sleep(5 * time.Millisecond)
	}
	if s := status(worker.LivenessService); s != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("liveness while draining: %v", s)
	}
	wantStatus(t, "open while draining", open("new"), codes.Unavailable, "draining")
	select {
	case n := <-done:
		t.Fatalf("drain returned with the session open (%d left)", n)
	default:
	}
	if _, err := c.Close(tctx(t), &wirepb.CloseRequest{Session: "old"}); err != nil {
		t.Fatal(err)
	}
	if n := <-done; n != 0 {
		t.Errorf("drain ended with %d sessions open", n)
	}
	// A drain that runs out of time says how many sessions it left.
	ss2 := testutil.StartServers(t, 1, tok, nil)
	c2, _ := dial(t, ss2[0].Addr, tok)
	sha2 := upload(t, c2, edgeir(t, g))
	if _, err := c2.Open(tctx(t), &wirepb.OpenRequest{Session: "s", Model: &wirepb.OpenRequest_Sha256{Sha256: sha2}, Plan: plan,
		Tiles: []*wirepb.TileRef{{Stage: 0, Tile: 0}}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if n := ss2[0].Drain(ctx); n != 1 {
		t.Errorf("drain out of time: %d sessions left, want 1", n)
	}
}
