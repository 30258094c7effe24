package coord

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// ProfileWorker asks the worker at addr to measure its own latency profile
// (runtime/profile.Measure, run inside the worker's container, board or
// pod) with threads intra-op threads (0: the worker's own --threads),
// reporting progress as it goes (progress may be nil). Cancelling ctx
// stops the measurement on the worker. A worker already measuring a
// profile refuses (ResourceExhausted).
func ProfileWorker(ctx context.Context, addr string, auth Auth, threads int, progress func(done, total int, what string)) (*costmodel.Profile, error) {
	if threads < 0 {
		return nil, fmt.Errorf("profile: threads %d: want 0 (the worker's) or more", threads)
	}
	c, err := Dial([]string{addr}, auth)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	w := c.Workers[0]
	st, err := w.rpc.Profile(ctx, &wirepb.ProfileRequest{Threads: int32(threads)})
	if err != nil {
		return nil, fmt.Errorf("worker %s: profile: %w", addr, err)
	}
	var data bytes.Buffer
	for {
		m, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("worker %s: profile: %w", addr, err)
		}
		switch k := m.Kind.(type) {
		case *wirepb.ProfileChunk_Progress:
			if progress != nil && data.Len() == 0 {
				progress(int(k.Progress.Done), int(k.Progress.Total), k.Progress.What)
			}
		case *wirepb.ProfileChunk_Profile:
			data.Write(k.Profile)
		}
	}
	if data.Len() == 0 {
		return nil, fmt.Errorf("worker %s: profile: the worker sent no profile", addr)
	}
	return costmodel.DecodeProfile("profile from worker "+addr, data.Bytes())
}
