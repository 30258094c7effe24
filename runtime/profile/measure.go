package profile

import (
	"context"
	"errors"
	"time"

	"github.com/edgectl/edgectl/planner/costmodel"
)

// Options configure Measure.
type Options struct {
	// Threads of the executor (the device class's threads); 0: all cores.
	Threads int
	// Budget bounds the time the micro-benchmarks may take (0: a default
	// that keeps a run at full speed to about a minute).
	Budget time.Duration
	// Seed chooses the sizes held out of the fits.
	Seed uint64
	// Progress, when set, is told after each micro-benchmark how many of
	// how many are done and what was measured.
	Progress func(done, total int, what string)
}

// Measure micro-benchmarks the op kinds the models use on this machine (or
// this container, or this board) over a grid of sizes, with the executor
// and kernels that tiles run with, and fits a costmodel.Profile.
func Measure(ctx context.Context, opts Options) (*costmodel.Profile, error) {
	return nil, errors.New("profile.Measure: not implemented yet")
}
