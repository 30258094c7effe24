package kernels

import (
	"bufio"
	"os"
	"runtime"
	"strings"
)

// CPUModel returns the processor's name as the operating system reports
// it (Linux: /proc/cpuinfo's "model name", or "Model"/"Hardware" where
// arm64 kernels give no model name), else GOOS/GOARCH. For reports beside
// Tier and FMAPeak.
func CPUModel() string {
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		return cpuModel(bufio.NewScanner(f))
	}
	return runtime.GOOS + "/" + runtime.GOARCH
}

func cpuModel(s *bufio.Scanner) string {
	found := map[string]string{}
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if _, seen := found[k]; !seen && v != "" {
			found[k] = v
		}
	}
	for _, k := range []string{"model name", "Model", "Hardware"} {
		if v := found[k]; v != "" {
			return v
		}
	}
	return runtime.GOOS + "/" + runtime.GOARCH
}
