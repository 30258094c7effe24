//go:build !linux

package kernels_test

import "time"

func threadCPUTime() time.Duration { return -1 }
