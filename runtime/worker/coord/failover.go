package coord

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// peerReason is the ErrorInfo reason a worker gives when a send to another
// worker failed (runtime/worker.PeerReason).
const peerReason = "PEER_FAILED"

// failover handles a failed attempt made on layout version seen: it finds
// the workers that died or stalled, hands their tiles to the survivors and
// installs the new layout. It returns cause when no worker is to blame.
func (s *Session) failover(ctx context.Context, seen int, cause error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lay.version != seen {
		return nil // another frame's failure was handled already
	}
	for round := 0; round <= len(s.c.Workers); round++ {
		dead := s.blame(ctx, cause)
		if len(dead) == 0 {
			return cause
		}
		for w, reason := range dead {
			s.dead[w] = true
			delete(s.opened, w)
			f := Failover{At: time.Now(), Worker: w, Addr: s.c.Workers[w].Addr, Reason: reason}
			s.failovers = append(s.failovers, f)
			if s.opts.Log != nil {
				fmt.Fprintf(s.opts.Log, "failover: dropping worker %d (%s): %s\n", w, f.Addr, reason)
			}
		}
		var live []int
		for i := range s.c.Workers {
			if !s.dead[i] {
				live = append(live, i)
			}
		}
		if len(live) == 0 {
			return fmt.Errorf("all %d workers failed; last error: %w", len(s.c.Workers), cause)
		}
		assign := reassign(s.lay.assign, s.dead, live)
		lay, err := buildLayout(s.prog, assign, s.c.Workers, !s.opts.NoMerge, s.id, s.lay.version+1)
		if err != nil {
			return err
		}
		if err = s.openWorkers(ctx, lay); err == nil {
			if s.opts.Log != nil {
				fmt.Fprintf(s.opts.Log, "failover: %s\n", moved(s.lay.assign, assign))
			}
			s.lay = lay
			return nil
		}
		cause = err // a survivor failed too: blame again
	}
	return cause
}

// blame finds the workers to drop: those whose health check fails; else
// the peer a worker could not send to; else the worker of a job that
// timed out or whose connection failed.
func (s *Session) blame(ctx context.Context, cause error) map[int]string {
	dead := map[int]string{}
	var mu sync.Mutex
	var ws []*Worker
	for i, w := range s.c.Workers {
		if !s.dead[i] {
			ws = append(ws, w)
		}
	}
	parallel(ws, func(w *Worker) error {
		if !s.c.Healthy(ctx, w) {
			mu.Lock()
			dead[w.Index] = fmt.Sprintf("no health answer after: %v", cause)
			mu.Unlock()
		}
		return nil
	})
	if len(dead) > 0 {
		return dead
	}
	if st, ok := status.FromError(cause); ok {
		for _, d := range st.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok && info.Reason == peerReason {
				for _, w := range ws {
					if w.Addr == info.Metadata["peer"] {
						dead[w.Index] = fmt.Sprintf("a peer could not send to it: %v", cause)
					}
				}
			}
		}
	}
	var je *jobError
	if len(dead) == 0 && errors.As(cause, &je) && !s.dead[je.worker] {
		switch status.Code(je.err) {
		case codes.DeadlineExceeded, codes.Unavailable:
			dead[je.worker] = fmt.Sprintf("stalled or unreachable: %v", cause)
		}
	}
	return dead
}

// reassign gives the tiles of dead workers to live ones: each to the live
// worker holding the fewest tiles of that stage (then fewest overall).
func reassign(old map[tileKey]int, dead map[int]bool, live []int) map[tileKey]int {
	out := make(map[tileKey]int, len(old))
	perStage := map[[2]int]int{} // (stage, worker) -> tiles
	total := map[int]int{}
	var orphans []tileKey
	for k, w := range old {
		if dead[w] {
			orphans = append(orphans, k)
			continue
		}
		out[k] = w
		perStage[[2]int{k.stage, w}]++
		total[w]++
	}
	sort.Slice(orphans, func(i, j int) bool {
		return orphans[i].stage < orphans[j].stage || orphans[i].stage == orphans[j].stage && orphans[i].tile < orphans[j].tile
	})
	for _, k := range orphans {
		best := live[0]
		for _, w := range live[1:] {
			a, b := perStage[[2]int{k.stage, w}], perStage[[2]int{k.stage, best}]
			if a < b || a == b && total[w] < total[best] {
				best = w
			}
		}
		out[k] = best
		perStage[[2]int{k.stage, best}]++
		total[best]++
	}
	return out
}

// moved says where the tiles that changed worker went, by worker: "worker
// 3's tiles s0 t3, s4 t1 -> worker 1; s2 t3 -> worker 0".
func moved(old, cur map[tileKey]int) string {
	type move struct{ from, to int }
	tiles := map[move][]tileKey{}
	for k, w := range cur {
		if o := old[k]; o != w {
			tiles[move{o, w}] = append(tiles[move{o, w}], k)
		}
	}
	if len(tiles) == 0 {
		return "no tile moved"
	}
	var ms []move
	for m := range tiles {
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].from < ms[j].from || ms[i].from == ms[j].from && ms[i].to < ms[j].to })
	var parts []string
	for _, m := range ms {
		ks := tiles[m]
		sort.Slice(ks, func(i, j int) bool {
			return ks[i].stage < ks[j].stage || ks[i].stage == ks[j].stage && ks[i].tile < ks[j].tile
		})
		var names []string
		for _, k := range ks {
			names = append(names, fmt.Sprintf("s%d t%d", k.stage, k.tile))
		}
		parts = append(parts, fmt.Sprintf("worker %d's tiles %s -> worker %d", m.from, strings.Join(names, ", "), m.to))
	}
	return strings.Join(parts, "; ")
}
