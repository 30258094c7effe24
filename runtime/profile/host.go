package profile

import (
	"bufio"
	"bytes"
	"os"
	goruntime "runtime"
	"strings"

	"github.com/edgectl/edgectl/runtime/kernels"
)

// tierName is the kernel tier the executor runs on this machine and
// build, as a profile records it: "avx2" or "neon" for the assembly tier
// of amd64 or arm64, "go" without assembly.
func tierName() string {
	if !kernels.HaveAsm() {
		return "go"
	}
	switch goruntime.GOARCH {
	case "amd64":
		return "avx2"
	case "arm64":
		return "neon"
	}
	return "asm"
}

// Tier is tierName, for the CLI's cache key and the tests.
func Tier() string { return tierName() }

// Host names this machine's CPU: /proc/cpuinfo's model name, else the
// device-tree model of a board (a Raspberry Pi), else its GOARCH.
func Host() string {
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		s := bufio.NewScanner(bytes.NewReader(data))
		for s.Scan() {
			k, v, ok := strings.Cut(s.Text(), ":")
			if ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	if data, err := os.ReadFile("/sys/firmware/devicetree/base/model"); err == nil {
		if m := strings.TrimSpace(strings.TrimRight(string(data), "\x00")); m != "" {
			return m
		}
	}
	return goruntime.GOARCH
}
