package worker_test

import (
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/runtime/partition"
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
