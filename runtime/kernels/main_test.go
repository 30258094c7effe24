package kernels_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/edgectl/edgectl/runtime/kernels/internal/gemm"
)

// TestMain lets a benchmark run try other GEMM blocking:
// EDGECTL_GEMM_BLOCKING=KC,MC,NC (MC a multiple of MR, NC of NR).
func TestMain(m *testing.M) {
	if v := os.Getenv("EDGECTL_GEMM_BLOCKING"); v != "" {
		if _, err := fmt.Sscanf(v, "%d,%d,%d", &gemm.KC, &gemm.MC, &gemm.NC); err != nil {
			fmt.Fprintln(os.Stderr, "EDGECTL_GEMM_BLOCKING:", err)
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}
