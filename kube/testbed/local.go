package testbed

import (
	"context"
	"errors"
	"io"
)

// startLocal starts the fallback's devices: local worker processes.
func (tb *Testbed) startLocal(ctx context.Context, n int) (Fleet, error) {
	return nil, errors.New("testbed: the local fallback is not built yet")
}

// stopProcesses kills the fallback's processes that are still the ones
// started (same pid and start time).
func stopProcesses(st *State, log io.Writer) []error { return nil }

// removeCgroups removes the fallback's cgroups.
func removeCgroups(st *State) []error { return nil }

// localBytes is what the fallback's relay has carried.
func (tb *Testbed) localBytes() int64 { return 0 }
