package worker_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/worker"
	"github.com/edgectl/edgectl/runtime/worker/coord"
	"github.com/edgectl/edgectl/runtime/worker/internal/testutil"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// A worker opened with tiles of some stages keeps only the constants those
// stages' nodes read.
func TestOpen_KeepsOnlyItsStagesConstants(t *testing.T) {
	g, _ := testutil.Model(t, "resnet18_tiny")
	plan, err := planner.SimplePlan(g, 2, planner.Grid{Rows: 1, Cols: 2})
	if err != nil {
		t.Fatal(err)
	}
	prog, err := partition.Compile(g, plan)
	if err != nil {
		t.Fatal(err)
	}
	tok := testutil.Token()
	s := testutil.StartServers(t, 1, tok, nil)[0]
	c, _ := dial(t, s.Addr, tok)
	sha := upload(t, c, edgeir(t, g))
	var total int64
	seen := map[*graphir.Value]bool{}
	stageBytes := make([]int64, len(prog.Stages))
	for si, st := range prog.Stages {
		for _, n := range st.Nodes {
			for _, in := range n.Inputs {
				if in.IsConst() && !seen[in] {
					seen[in] = true
					total += in.Const.Bytes()
					stageBytes[si] += in.Const.Bytes()
				}
			}
		}
	}
	for si := range prog.Stages {
		r, err := c.Open(tctx(t), &wirepb.OpenRequest{Session: "s", Model: &wirepb.OpenRequest_Sha256{Sha256: sha},
			Plan: planJSON(t, plan), Tiles: []*wirepb.TileRef{{Stage: int32(si), Tile: 0}}})
		if err != nil {
			t.Fatal(err)
		}
		if r.ConstBytes != total || r.KeptConstBytes != stageBytes[si] {
			t.Errorf("stage %d: kept %d of %d constant bytes, want %d of %d", si, r.KeptConstBytes, r.ConstBytes, stageBytes[si], total)
		}
	}
}

// A worker holding channel tiles of the fully connected layers reads only
// its share of their weights, and its outputs still equal one device's.
func TestOpen_ReadsChannelTilesWeightsInParts(t *testing.T) {
	g, in := testutil.Model(t, "vgg16_slim")
	plan, err := planner.SimplePlan(g, 4, planner.Grid{Rows: 2, Cols: 2})
	if err != nil {
		t.Fatal(err)
	}
	prog, err := partition.Compile(g, plan)
	if err != nil {
		t.Fatal(err)
	}
	var channelStages int
	for _, st := range prog.Stages {
		if len(st.Tiles) > 1 && st.Tiles[0].ChannelTrace() != nil {
			channelStages++
		}
	}
	if channelStages == 0 {
		t.Fatal("the plan splits no layer by channels")
	}
	var logs syncBuffer
	tok := testutil.Token()
	servers := testutil.StartServers(t, 4, tok, func(c *worker.Config) {
		c.Log = slog.New(slog.NewTextHandler(&logs, nil))
	})
	cl, err := coord.Dial(testutil.Addrs(servers), coord.Auth{Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	s, err := cl.Open(tctx(t), g, plan, coord.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	outs, _, err := s.Run(tctx(t), []map[string]*graphir.Tensor{in, in})
	if err != nil {
		t.Fatal(err)
	}
	for k, o := range outs {
		if err := testutil.Compare(g, o, testutil.SingleDevice(t, g, in)); err != nil {
			t.Errorf("frame %d: %v", k, err)
		}
	}
	if n := strings.Count(logs.String(), "partly_read_consts=0"); n > 0 || !strings.Contains(logs.String(), "partly_read_bytes=") {
		t.Errorf("%d workers read no constant in parts:\n%s", n, logs.String())
	}
}

// syncBuffer is a bytes.Buffer that several workers log into.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
