package worker

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/profile"
	"github.com/edgectl/edgectl/runtime/worker/internal/wire"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// measureFunc measures a profile: runtime/profile.Measure (tests replace
// it).
type measureFunc func(context.Context, profile.Options) (*costmodel.Profile, error)

// Profile implements wirepb.WorkerServer: it measures this worker's
// latency profile with every compute slot held (jobs queue meanwhile, so
// neither disturbs the other), streaming progress and then the profile's
// YAML. A second profile while one runs is refused with ResourceExhausted;
// the caller cancelling stops the measurement.
func (s *Server) Profile(req *wirepb.ProfileRequest, st wirepb.Worker_ProfileServer) error {
	if req.Threads < 0 {
		return status.Errorf(codes.InvalidArgument, "profile: threads %d: want 0 (the worker's) or more", req.Threads)
	}
	if !s.profiling.CompareAndSwap(false, true) {
		return status.Error(codes.ResourceExhausted, "profile: this worker is measuring a profile already")
	}
	defer s.profiling.Store(false)
	ctx := st.Context()
	release, err := s.holdSlots(ctx)
	if err != nil {
		return err
	}
	defer release()
	threads := int(req.Threads)
	if threads == 0 {
		threads = s.cfg.Threads
	}
	var mu sync.Mutex
	progress := func(done, total int, what string) {
		mu.Lock()
		defer mu.Unlock()
		// A send that fails means the caller left; ctx says so to Measure.
		st.Send(&wirepb.ProfileChunk{Kind: &wirepb.ProfileChunk_Progress{Progress: &wirepb.ProfileProgress{
			Done: int32(done), Total: int32(total), What: what}}})
	}
	data, err := s.measureYAML(ctx, profile.Options{Threads: threads, Progress: progress})
	mu.Lock()
	defer mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return status.FromContextError(ctx.Err()).Err()
		}
		s.log.Error("profile failed", "err", err)
		return status.Errorf(codes.Internal, "profile: %v", err)
	}
	for off := 0; off == 0 || off < len(data); off += wire.ChunkSize {
		end := min(off+wire.ChunkSize, len(data))
		if err := st.Send(&wirepb.ProfileChunk{Kind: &wirepb.ProfileChunk_Profile{Profile: data[off:end]}}); err != nil {
			return err
		}
	}
	return nil
}

// measureYAML measures and encodes a profile. A panic in either is an
// error: the worker goes on serving its sessions.
func (s *Server) measureYAML(ctx context.Context, o profile.Options) (data []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	p, err := s.measure(ctx, o)
	if err != nil {
		return nil, err
	}
	return p.Encode()
}

// holdSlots takes every compute slot, waiting for the jobs computing, and
// returns the function that gives them back.
func (s *Server) holdSlots(ctx context.Context) (func(), error) {
	held := 0
	release := func() {
		for range held {
			<-s.slots
		}
	}
	for held < cap(s.slots) {
		select {
		case s.slots <- struct{}{}:
			held++
		case <-ctx.Done():
			release()
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	return release, nil
}
