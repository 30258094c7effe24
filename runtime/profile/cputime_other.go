//go:build !linux

package profile

import "time"

// threadCPUTime is unavailable here: runs are timed by the wall clock.
func threadCPUTime() (time.Duration, bool) { return 0, false }
