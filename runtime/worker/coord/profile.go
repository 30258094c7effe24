package coord

import (
	"context"
	"errors"

	"github.com/edgectl/edgectl/planner/costmodel"
)

// ProfileWorker asks the worker at addr to measure its own latency profile
// (runtime/profile.Measure, run inside the worker's container, board or
// pod) with threads intra-op threads, reporting progress as it goes.
func ProfileWorker(ctx context.Context, addr string, auth Auth, threads int, progress func(done, total int, what string)) (*costmodel.Profile, error) {
	return nil, errors.New("coord.ProfileWorker: not implemented yet")
}
