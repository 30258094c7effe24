package worker_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/runtime/worker/internal/auth"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// dial connects to a worker with the given token (none when empty).
func dial(t *testing.T, addr, token string) (wirepb.WorkerClient, healthpb.HealthClient) {
	t.Helper()
	return dialOpts(t, addr, auth.DialOptions(token, nil)...)
}

func dialOpts(t *testing.T, addr string, opts ...grpc.DialOption) (wirepb.WorkerClient, healthpb.HealthClient) {
	t.Helper()
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return wirepb.NewWorkerClient(conn), healthpb.NewHealthClient(conn)
}

func tctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// edgeir serialises g as an .edgeir file.
func edgeir(t *testing.T, g *graphir.Graph) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := importer.WriteEdgeIR(&buf, g); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload stores data on the worker and returns its SHA-256.
func upload(t *testing.T, c wirepb.WorkerClient, data []byte) string {
	t.Helper()
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	st, err := c.PutModel(tctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off == 0 || off < len(data); off += 1 << 20 {
		ch := &wirepb.ModelChunk{Data: data[off:min(off+1<<20, len(data))]}
		if off == 0 {
			ch.Sha256, ch.Size = sha, int64(len(data))
		}
		if err := st.Send(ch); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.CloseAndRecv(); err != nil {
		t.Fatal(err)
	}
	return sha
}

// reluGraph is x -> Relu -> Relu -> y on a float32 input of the given
// shape: the smallest model with a value crossing a stage boundary.
func reluGraph(t *testing.T, shape graphir.Shape) *graphir.Graph {
	t.Helper()
	x := &graphir.Value{Name: "x", DType: graphir.Float32, Shape: shape}
	mid := &graphir.Value{Name: "mid"}
	y := &graphir.Value{Name: "y"}
	n1 := &graphir.Node{Name: "relu1", Op: graphir.OpRelu, Opset: 13, Inputs: []*graphir.Value{x}, Outputs: []*graphir.Value{mid}, Attrs: graphir.Attrs{}}
	n2 := &graphir.Node{Name: "relu2", Op: graphir.OpRelu, Opset: 13, Inputs: []*graphir.Value{mid}, Outputs: []*graphir.Value{y}, Attrs: graphir.Attrs{}}
	for _, n := range []*graphir.Node{n1, n2} {
		if err := graphir.InferNode(n); err != nil {
			t.Fatal(err)
		}
	}
	return &graphir.Graph{Name: "relu", Opset: 13, Inputs: []*graphir.Value{x}, Outputs: []*graphir.Value{y}, Nodes: []*graphir.Node{n1, n2}}
}

// twoStages splits reluGraph into two fused stages of rows x 1 tiles,
// tiles alternating between worker-0 and worker-1.
func twoStages(t *testing.T, rows int, g *graphir.Graph) *graphir.Plan {
	t.Helper()
	h := g.Inputs[0].Shape[len(g.Inputs[0].Shape)-2]
	var devs []string
	for i := range rows {
		devs = append(devs, graphir.DeviceID(i%2))
	}
	split := graphir.Split{Rows: planner.EvenSplit(h, rows), Devices: devs}
	p := &graphir.Plan{APIVersion: graphir.PlanAPIVersion, Kind: graphir.PlanKind, Stages: []graphir.Stage{
		{Name: "a", Kind: graphir.StageFused, To: "mid", Split: split},
		{Name: "b", Kind: graphir.StageFused, To: "y", Split: split},
	}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

func planJSON(t *testing.T, p *graphir.Plan) []byte {
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
