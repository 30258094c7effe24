package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/tilerun"
	"github.com/edgectl/edgectl/runtime/worker/coord"
	"github.com/edgectl/edgectl/runtime/worker/internal/testutil"
	"github.com/edgectl/edgectl/runtime/worker/internal/wire"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// Tensor sizes of the per-tile overhead benchmark.
var benchSizes = []struct {
	name  string
	shape graphir.Shape
}{
	{"1MB", graphir.Shape{1, 1, 512, 512}},
	{"10MB", graphir.Shape{1, 10, 512, 512}},
}

// BenchmarkTileOverhead measures one tile (x -> Relu -> Relu) run by a
// worker over loopback: the input serialised and pushed, the job called,
// the output streamed back and stitched. The baseline, measured in the same
// run, is the same tile run in this process (no copy, no RPC); x-local is
// the ratio and overhead-µs the difference per tile.
func BenchmarkTileOverhead(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			g := reluGraph(&testing.T{}, sz.shape)
			plan := &graphir.Plan{APIVersion: graphir.PlanAPIVersion, Kind: graphir.PlanKind, Stages: []graphir.Stage{
				{Name: "s", Kind: graphir.StageSingle, To: "y", Split: graphir.Split{Devices: []string{graphir.DeviceID(0)}}}}}
			in := graphir.NewTensor(graphir.Float32, sz.shape)
			for i := range in.F {
				in.F[i] = float32(i%9) - 4
			}
			inputs := map[string]*graphir.Tensor{"x": in}
			ctx := context.Background()

			run, err := tilerun.Compile(g, plan, tilerun.Options{})
			if err != nil {
				b.Fatal(err)
			}
			tile := run.Program().Stages[0].Tiles[0]
			local := func() {
				if _, err := run.Run(ctx, tile, inputs); err != nil {
					b.Fatal(err)
				}
			}
			tok := testutil.Token()
			ss := testutil.StartServers(b, 1, tok, nil)
			cl, err := coord.Dial(testutil.Addrs(ss), coord.Auth{Token: tok})
			if err != nil {
				b.Fatal(err)
			}
			defer cl.Close()
			s, err := cl.Open(ctx, g, plan, coord.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close(ctx)
			frame := []map[string]*graphir.Tensor{inputs}
			remote := func() {
				if _, _, err := s.Run(ctx, frame); err != nil {
					b.Fatal(err)
				}
			}
			local()
			remote()
			base := measure(b.N, local)
			b.SetBytes(2 * in.Bytes()) // in and out
			b.ResetTimer()
			for range b.N {
				remote()
			}
			b.StopTimer()
			per := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(per)/float64(base), "x-local")
			b.ReportMetric(float64(per-base)/1e3, "overhead-µs")
		})
	}
}

// BenchmarkPush measures one part pushed to a worker's mailbox over
// loopback (serialise, send, receive, file), against copying the same
// bytes in memory (x-copy); a Release per part keeps the mailbox empty.
func BenchmarkPush(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			g := reluGraph(&testing.T{}, sz.shape)
			tok := testutil.Token()
			srv := testutil.StartServers(b, 1, tok, nil)[0]
			c, _ := dial(&testing.T{}, srv.Addr, tok)
			ctx := context.Background()
			sha := upload(&testing.T{}, c, edgeir(&testing.T{}, g))
			plan := &graphir.Plan{APIVersion: graphir.PlanAPIVersion, Kind: graphir.PlanKind, Stages: []graphir.Stage{
				{Name: "s", Kind: graphir.StageSingle, To: "y", Split: graphir.Split{Devices: []string{graphir.DeviceID(0)}}}}}
			pj, _ := plan.Encode()
			if _, err := c.Open(ctx, &wirepb.OpenRequest{Session: "b", Model: &wirepb.OpenRequest_Sha256{Sha256: sha}, Plan: pj,
				Tiles: []*wirepb.TileRef{{Stage: 0, Tile: 0}}}); err != nil {
				b.Fatal(err)
			}
			x := graphir.NewTensor(graphir.Float32, sz.shape)
			box := wire.BoxPB(partition.FullBox(sz.shape))
			var sink *graphir.Tensor
			base := measure(b.N, func() { sink = x.Clone() })
			_ = sink
			b.SetBytes(x.Bytes())
			b.ResetTimer()
			for i := range b.N {
				st, err := c.Push(ctx)
				if err != nil {
					b.Fatal(err)
				}
				h := &wirepb.PartHeader{Session: "b", Run: uint64(i + 1), Value: "x", Box: box}
				if _, err := wire.Send(st.Send, h, x); err != nil {
					b.Fatal(err)
				}
				if _, err := st.CloseAndRecv(); err != nil {
					b.Fatal(err)
				}
				if _, err := c.Release(ctx, &wirepb.ReleaseRequest{Session: "b", Runs: []uint64{uint64(i + 1)}}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			per := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(per)/float64(base), "x-copy")
		})
	}
}

// measure times n calls of f and returns the mean.
func measure(n int, f func()) time.Duration {
	n = max(n, 3)
	t0 := time.Now()
	for range n {
		f()
	}
	return time.Since(t0) / time.Duration(n)
}
