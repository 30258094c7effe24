package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/worker/internal/wire"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// RunTile implements wirepb.WorkerServer.
func (s *Server) RunTile(req *wirepb.RunTileRequest, st wirepb.Worker_RunTileServer) error {
	err := s.runTile(st.Context(), req, st)
	if err != nil {
		s.log.Warn("job failed", "session", req.Session, "frame", req.Frame, "stage", req.Stage, "tiles", req.Tiles, "err", err)
	}
	return err
}

func (s *Server) runTile(ctx context.Context, req *wirepb.RunTileRequest, st wirepb.Worker_RunTileServer) error {
	start := time.Now()
	ss, err := s.session(req.Session)
	if err != nil {
		return err
	}
	t, err := ss.job(req.Stage, req.Tiles)
	if err != nil {
		return err
	}
	stage := ss.prog.Stages[req.Stage]
	where := fmt.Sprintf("stage %d tiles %v", req.Stage, req.Tiles)
	pieces, keys, err := expected(stage, t, req)
	if err != nil {
		return err
	}
	rk := runKey{req.Session, req.Run}
	got, err := s.mail.take(ctx, rk, keys)
	if err != nil {
		return waitError(ctx, where, s.mail.missing(rk, keys))
	}
	stats := &wirepb.TileStats{Tiles: int32(len(req.Tiles))}
	for _, x := range got {
		stats.BytesIn += x.Bytes()
	}
	crops, err := assemble(stage, t, pieces, got)
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "%s: %v", where, err)
	}
	waited := time.Now()
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return status.FromContextError(ctx.Err()).Err()
	}
	queued := time.Now()
	out, err := ss.run.Run(ctx, t, crops)
	<-s.slots
	computed := time.Now()
	if err != nil {
		if ctx.Err() != nil {
			return status.FromContextError(ctx.Err()).Err()
		}
		return status.Errorf(codes.Internal, "%s: %v", where, err)
	}
	if len(req.Tiles) == 1 {
		ss.built(tileKey{int(req.Stage), int(req.Tiles[0])})
	}
	s.m.stage(int(req.Stage)).Add(float64(len(req.Tiles)))
	if stats.BytesOut, err = s.sendAll(ctx, req, stage, t, out, st); err != nil {
		return err
	}
	done := time.Now()
	stats.WaitNs, stats.QueueNs = int64(waited.Sub(start)), int64(queued.Sub(waited))
	stats.ComputeNs, stats.SendNs = int64(computed.Sub(queued)), int64(done.Sub(computed))
	s.m.wait.Observe(waited.Sub(start).Seconds())
	s.m.queue.Observe(queued.Sub(waited).Seconds())
	s.m.compute.Observe(computed.Sub(queued).Seconds())
	s.m.send.Observe(done.Sub(computed).Seconds())
	return st.Send(&wirepb.PartChunk{Kind: &wirepb.PartChunk_Stats{Stats: stats}})
}

// expected checks the pieces a job is told to expect: each is a box of
// one of the stage's inputs, inside what the tile needs of it.
func expected(stage *partition.Stage, t *partition.Tile, req *wirepb.RunTileRequest) ([]partition.Part, []pieceKey, error) {
	parts := make([]partition.Part, len(req.Expect))
	keys := make([]pieceKey, len(req.Expect))
	for i, e := range req.Expect {
		k := inputIndex(stage, e.Value)
		if k < 0 {
			return nil, nil, status.Errorf(codes.InvalidArgument, "stage %d: expected piece of %q, which is not an input of the stage", req.Stage, e.Value)
		}
		b, err := wire.Box(e.Box)
		if err != nil {
			return nil, nil, status.Errorf(codes.InvalidArgument, "stage %d: expected piece of %q: %v", req.Stage, e.Value, err)
		}
		if !t.In[k].Box.Contains(b) || len(b.Lo) != len(t.In[k].Box.Lo) || b.Empty() {
			return nil, nil, status.Errorf(codes.InvalidArgument, "stage %d tiles %v: expected piece %v of %q is not inside the box %v the job needs", req.Stage, req.Tiles, b, e.Value, t.In[k].Box)
		}
		parts[i] = partition.Part{Value: e.Value, Box: b}
		keys[i] = pieceKey{req.Stage, req.Tiles[0], e.Value, b.String()}
	}
	return parts, keys, nil
}

func inputIndex(stage *partition.Stage, name string) int {
	for i, v := range stage.Inputs {
		if v.Name == name {
			return i
		}
	}
	return -1
}

func outputIndex(stage *partition.Stage, name string) int {
	for i, v := range stage.Outputs {
		if v.Name == name {
			return i
		}
	}
	return -1
}

// assemble builds the tile's input crops from the pieces received, which
// must cover each needed box exactly once.
func assemble(stage *partition.Stage, t *partition.Tile, parts []partition.Part, got []*graphir.Tensor) (map[string]*graphir.Tensor, error) {
	crops := make(map[string]*graphir.Tensor, len(t.In))
	for k, need := range t.In {
		v := stage.Inputs[k]
		var idx []int
		covered := 0
		for i, p := range parts {
			if p.Value == need.Value {
				idx = append(idx, i)
				covered += p.Box.Size()
			}
		}
		if covered != need.Box.Size() {
			return nil, fmt.Errorf("pieces of %q cover %d elements of the %d in the needed box %v", need.Value, covered, need.Box.Size(), need.Box)
		}
		if len(idx) == 1 && parts[idx[0]].Box.Equal(need.Box) {
			crops[need.Value] = got[idx[0]]
			continue
		}
		crop := graphir.NewTensor(v.DType, need.Box.Shape())
		for _, i := range idx {
			if err := partition.Paste(crop, need.Box, got[i], parts[i].Box); err != nil {
				return nil, fmt.Errorf("piece %v of %q: %w", parts[i].Box, need.Value, err)
			}
		}
		crops[need.Value] = crop
	}
	return crops, nil
}

// waitError reports a job that gave up waiting for its pieces.
func waitError(ctx context.Context, where string, missing []pieceKey) error {
	var names []string
	for i, k := range missing {
		if i == 4 {
			names = append(names, fmt.Sprintf("and %d more", len(missing)-4))
			break
		}
		names = append(names, fmt.Sprintf("%s%s", k.value, k.box))
	}
	code := codes.DeadlineExceeded
	if errors.Is(ctx.Err(), context.Canceled) {
		code = codes.Canceled
	}
	return status.Errorf(code, "%s: gave up waiting for pieces %s", where, strings.Join(names, ", "))
}

// sendAll cuts every part the job is told to send out of its outputs and
// sends it: into this worker's own mailbox, to peers (one Push stream per
// peer, in parallel), or back on the RunTile stream.
func (s *Server) sendAll(ctx context.Context, req *wirepb.RunTileRequest, stage *partition.Stage, t *partition.Tile, out map[string]*graphir.Tensor, st wirepb.Worker_RunTileServer) (int64, error) {
	byPeer := map[string][]sendPart{}
	var back []sendPart
	for _, sd := range req.Sends {
		k := outputIndex(stage, sd.Value)
		if k < 0 {
			return 0, status.Errorf(codes.InvalidArgument, "stage %d: send of %q, which is not an output of the stage", req.Stage, sd.Value)
		}
		b, err := wire.Box(sd.Box)
		if err != nil {
			return 0, status.Errorf(codes.InvalidArgument, "stage %d: send of %q: %v", req.Stage, sd.Value, err)
		}
		have := t.Out[k].Box
		if !have.Contains(b) || len(b.Lo) != len(have.Lo) {
			return 0, status.Errorf(codes.InvalidArgument, "stage %d tiles %v: send box %v of %q is not inside the box %v computed", req.Stage, req.Tiles, b, sd.Value, have)
		}
		x := out[sd.Value]
		if !b.Equal(have) {
			if x, err = partition.Cut(x, have, b); err != nil {
				return 0, status.Errorf(codes.Internal, "stage %d: cutting %q: %v", req.Stage, sd.Value, err)
			}
		}
		h := &wirepb.PartHeader{Session: req.Session, Run: req.Run, Stage: sd.Stage, Tile: sd.Tile, Value: sd.Value, Box: wire.BoxPB(b)}
		switch {
		case sd.Self:
			s.mail.put(runKey{req.Session, req.Run}, pieceKey{sd.Stage, sd.Tile, sd.Value, b.String()}, x)
		case sd.Addr == "":
			back = append(back, sendPart{h, x})
		default:
			byPeer[sd.Addr] = append(byPeer[sd.Addr], sendPart{h, x})
		}
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int64
		first error
	)
	for addr, parts := range byPeer {
		wg.Go(func() {
			n, err := s.peers.push(ctx, addr, parts)
			mu.Lock()
			total += n
			if err != nil && first == nil {
				first = err
			}
			mu.Unlock()
		})
	}
	for _, p := range back {
		n, err := wire.Send(st.Send, p.h, p.t)
		mu.Lock()
		total += n
		mu.Unlock()
		if err != nil {
			wg.Wait()
			return total, err
		}
	}
	wg.Wait()
	s.m.bytesOut.Add(float64(total))
	return total, first
}
