package worker_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/worker/coord"
	"github.com/edgectl/edgectl/runtime/worker/internal/testutil"
	"github.com/edgectl/edgectl/runtime/worker/internal/wire"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

func wantStatus(t *testing.T, what string, err error, code codes.Code, text string) {
	t.Helper()
	if status.Code(err) != code || !strings.Contains(status.Convert(err).Message(), text) {
		t.Errorf("%s: %v, want %v containing %q", what, err, code, text)
	}
}

// runTile calls RunTile and returns its error (nil when it ended well).
func runTile(ctx context.Context, c wirepb.WorkerClient, req *wirepb.RunTileRequest) error {
	st, err := c.RunTile(ctx, req)
	if err != nil {
		return err
	}
	for {
		if _, err := st.Recv(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// push sends raw chunks in one Push stream.
func push(ctx context.Context, c wirepb.WorkerClient, chunks ...*wirepb.PartChunk) error {
	st, err := c.Push(ctx)
	if err != nil {
		return err
	}
	for _, ch := range chunks {
		if err := st.Send(ch); err != nil {
			break
		}
	}
	_, err = st.CloseAndRecv()
	return err
}

func header(session, value string, box partition.Box, dt wirepb.DType, bytes int64) *wirepb.PartChunk {
	return &wirepb.PartChunk{Kind: &wirepb.PartChunk_Header{Header: &wirepb.PartHeader{
		Session: session, Run: 1, Stage: 0, Tile: 0, Value: value, Box: wire.BoxPB(box), Dtype: dt, Bytes: bytes}}}
}

func data(n int) *wirepb.PartChunk {
	return &wirepb.PartChunk{Kind: &wirepb.PartChunk_Data{Data: make([]byte, n)}}
}

// Bad requests get a status naming what is wrong, and the worker goes on
// serving: a distributed run on it afterwards is right.
func TestWorker_BadRequests(t *testing.T) {
	tok := testutil.Token()
	ss := testutil.StartServers(t, 2, tok, nil)
	c, _ := dial(t, ss[0].Addr, tok)
	g := reluGraph(t, graphir.Shape{1, 2, 8, 8})
	plan := twoStages(t, 2, g)
	sha := upload(t, c, edgeir(t, g))
	open := func(p []byte, tiles ...*wirepb.TileRef) error {
		_, err := c.Open(tctx(t), &wirepb.OpenRequest{Session: "s", Model: &wirepb.OpenRequest_Sha256{Sha256: sha}, Plan: p, Tiles: tiles})
		return err
	}
	ctx := tctx(t)
	f32 := wirepb.DType_DTYPE_FLOAT32
	x := partition.FullBox(graphir.Shape{1, 2, 8, 8})
	top := partition.Box{Lo: []int{0, 0, 0, 0}, Hi: []int{1, 2, 4, 8}}

	wantStatus(t, "open, unknown model", func() error {
		_, err := c.Open(ctx, &wirepb.OpenRequest{Session: "s", Model: &wirepb.OpenRequest_Sha256{Sha256: strings.Repeat("a", 64)}, Plan: planJSON(t, plan)})
		return err
	}(), codes.NotFound, "is not in the data directory")
	wantStatus(t, "open, bad plan", open([]byte(`{"apiVersion":"edgectl.dev/v1alpha1","kind":"Plan","stages":[],"extra":1}`)), codes.InvalidArgument, "plan")
	bad := twoStages(t, 2, g)
	bad.Stages[0].To = "nope"
	wantStatus(t, "open, plan of another model", open(planJSON(t, bad)), codes.InvalidArgument, `"nope"`)
	wantStatus(t, "open, unknown partition", open(planJSON(t, plan), &wirepb.TileRef{Stage: 0, Tile: 9}), codes.NotFound, "stage 0 has no tile 9")
	if err := open(planJSON(t, plan), &wirepb.TileRef{Stage: 0, Tile: 0}, &wirepb.TileRef{Stage: 1, Tile: 0}); err != nil {
		t.Fatal(err)
	}

	wantStatus(t, "run, unknown session", runTile(ctx, c, &wirepb.RunTileRequest{Session: "nope", Tiles: []int32{0}}), codes.NotFound, `session "nope"`)
	wantStatus(t, "run, unknown stage", runTile(ctx, c, &wirepb.RunTileRequest{Session: "s", Stage: 5, Tiles: []int32{0}}), codes.NotFound, "stage 5 does not exist")
	wantStatus(t, "run, unknown tile", runTile(ctx, c, &wirepb.RunTileRequest{Session: "s", Stage: 0, Tiles: []int32{7}}), codes.NotFound, "no tile 7")
	wantStatus(t, "run, tile of another worker", runTile(ctx, c, &wirepb.RunTileRequest{Session: "s", Stage: 0, Tiles: []int32{1}}), codes.FailedPrecondition, "not opened on this worker")
	wantStatus(t, "run, piece of a value the stage does not read", runTile(ctx, c, &wirepb.RunTileRequest{Session: "s", Stage: 0, Tiles: []int32{0},
		Expect: []*wirepb.Piece{{Value: "y", Box: wire.BoxPB(top)}}}), codes.InvalidArgument, `"y", which is not an input`)
	wantStatus(t, "run, piece outside the need", runTile(ctx, c, &wirepb.RunTileRequest{Session: "s", Stage: 0, Tiles: []int32{0},
		Expect: []*wirepb.Piece{{Value: "x", Box: wire.BoxPB(x)}}}), codes.InvalidArgument, "is not inside the box")

	wantStatus(t, "push, unknown session", push(ctx, c, header("nope", "x", top, f32, 256), data(256)), codes.NotFound, `session "nope"`)
	wantStatus(t, "push, unknown value", push(ctx, c, header("s", "zz", top, f32, 256), data(256)), codes.NotFound, `"zz"`)
	wantStatus(t, "push, wrong shape", push(ctx, c, header("s", "x", partition.Box{Lo: []int{0, 0, 0}, Hi: []int{1, 2, 9}}, f32, 72), data(72)),
		codes.InvalidArgument, "does not fit the value's shape [1 2 8 8]")
	wantStatus(t, "push, wrong type", push(ctx, c, header("s", "x", top, wirepb.DType_DTYPE_INT64, 512), data(512)), codes.InvalidArgument, "is int64, the value is float32")
	wantStatus(t, "push, size mismatch", push(ctx, c, header("s", "x", top, f32, 100)), codes.InvalidArgument, "announces 100")
	wantStatus(t, "push, truncated tensor", push(ctx, c, header("s", "x", top, f32, 256), data(100)), codes.InvalidArgument, "truncated: 100 of 256 bytes")

	// The worker still serves a whole run.
	cl, err := coord.Dial(testutil.Addrs(ss), coord.Auth{Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	s, err := cl.Open(ctx, g, plan, coord.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	in := graphir.NewTensor(graphir.Float32, graphir.Shape{1, 2, 8, 8})
	for i := range in.F {
		in.F[i] = float32(i%7) - 3
	}
	outs, _, err := s.Run(ctx, []map[string]*graphir.Tensor{{"x": in}})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range outs[0]["y"].F {
		if want := max(in.F[i], 0); v != want {
			t.Fatalf("y[%d] = %v, want %v", i, v, want)
		}
	}
}

// Model paths resolve inside the data directory: no "..", no absolute
// path, no symbolic link out of it; uploads are checked against their
// hash and size.
func TestWorker_DataDir(t *testing.T) {
	tok := testutil.Token()
	s := testutil.StartServers(t, 1, tok, nil)[0]
	c, _ := dial(t, s.Addr, tok)
	g := reluGraph(t, graphir.Shape{1, 1, 4, 4})
	model := edgeir(t, g)
	outside := filepath.Join(filepath.Dir(s.DataDir), "outside.edgeir")
	if err := os.WriteFile(outside, model, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(s.DataDir, "link.edgeir")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.DataDir, "inside.edgeir"), model, 0o644); err != nil {
		t.Fatal(err)
	}
	plan := planJSON(t, twoStages(t, 1, g))
	open := func(path string) error {
		_, err := c.Open(tctx(t), &wirepb.OpenRequest{Session: "s", Model: &wirepb.OpenRequest_Path{Path: path}, Plan: plan})
		return err
	}
	rel, _ := filepath.Rel(s.DataDir, outside)
	wantStatus(t, "../ escape", open(rel), codes.InvalidArgument, "not inside the data directory")
	wantStatus(t, "sub/../../ escape", open("models/../../outside.edgeir"), codes.InvalidArgument, "not inside the data directory")
	wantStatus(t, "absolute path", open(outside), codes.InvalidArgument, "not inside the data directory")
	wantStatus(t, "symlink out", open("link.edgeir"), codes.InvalidArgument, "link.edgeir")
	wantStatus(t, "missing", open("missing.edgeir"), codes.NotFound, "is not in the data directory")
	if err := open("inside.edgeir"); err != nil {
		t.Fatalf("model inside the data directory: %v", err)
	}

	put := func(sha string, size int64, body []byte) error {
		st, err := c.PutModel(tctx(t))
		if err != nil {
			return err
		}
		st.Send(&wirepb.ModelChunk{Sha256: sha, Size: size, Data: body})
		_, err = st.CloseAndRecv()
		return err
	}
	wrong := strings.Repeat("0", 64)
	wantStatus(t, "wrong hash", put(wrong, int64(len(model)), model), codes.InvalidArgument, "header says "+wrong)
	wantStatus(t, "truncated upload", put(wrong, int64(len(model))+10, model), codes.InvalidArgument, "truncated")
	wantStatus(t, "path as hash", put("../../etc/passwd", 10, model[:10]), codes.InvalidArgument, "not 64 hex digits")
	left, _ := os.ReadDir(filepath.Join(s.DataDir, "models"))
	if len(left) != 0 {
		t.Errorf("failed uploads left files: %v", left)
	}
	sha := upload(t, c, model)
	if _, err := os.Stat(filepath.Join(s.DataDir, "models", sha)); err != nil {
		t.Errorf("upload not stored under models/: %v", err)
	}
}
