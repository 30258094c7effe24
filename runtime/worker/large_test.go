package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/worker/coord"
	"github.com/edgectl/edgectl/runtime/worker/internal/testutil"
)

// largeShape is a 100 MB float32 activation, 25 times gRPC's default
// message limit.
var largeShape = graphir.Shape{1, 25, 1000, 1000}

// A 100 MB tensor passes every hop: coordinator to worker (the input),
// worker to worker (the activation between the two stages, each a single
// tile on its own worker) and worker to coordinator (the output).
func TestWorker_LargeTensor(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 300 MB")
	}
	g := reluGraph(t, largeShape)
	single := graphir.Split{Devices: []string{graphir.DeviceID(0)}}
	plan := &graphir.Plan{APIVersion: graphir.PlanAPIVersion, Kind: graphir.PlanKind, Stages: []graphir.Stage{
		{Name: "a", Kind: graphir.StageSingle, To: "mid", Split: single},
		{Name: "b", Kind: graphir.StageSingle, To: "y", Split: graphir.Split{Devices: []string{graphir.DeviceID(1)}}},
	}}
	tok := testutil.Token()
	ss := testutil.StartServers(t, 2, tok, nil)
	cl, err := coord.Dial(testutil.Addrs(ss), coord.Auth{Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := cl.Open(ctx, g, plan, coord.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	in := graphir.NewTensor(graphir.Float32, largeShape)
	for i := range in.F {
		in.F[i] = float32(i%1001) - 500
	}
	outs, rep, err := s.Run(ctx, []map[string]*graphir.Tensor{{"x": in}})
	if err != nil {
		t.Fatal(err)
	}
	y := outs[0]["y"]
	for i, v := range y.F {
		if want := max(in.F[i], 0); v != want {
			t.Fatalf("y[%d] = %v, want %v", i, v, want)
		}
	}
	if got := rep.Stages[1].BytesIn; got != in.Bytes() {
		t.Errorf("stage b received %d bytes from stage a, want %d", got, in.Bytes())
	}
}
