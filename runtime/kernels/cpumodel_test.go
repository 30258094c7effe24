package kernels

import (
	"bufio"
	"runtime"
	"strings"
	"testing"
)

func TestCPUModel(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"processor\t: 0\nmodel name\t: AMD EPYC 9R45\nflags\t: fpu\nmodel name\t: other\n", "AMD EPYC 9R45"},
		{"processor\t: 0\nCPU part\t: 0xd0c\nModel\t: Raspberry Pi 5\n", "Raspberry Pi 5"},
		{"Hardware\t: BCM2835\n", "BCM2835"},
		{"processor\t: 0\n", runtime.GOOS + "/" + runtime.GOARCH},
	} {
		if got := cpuModel(bufio.NewScanner(strings.NewReader(c.in))); got != c.want {
			t.Errorf("cpuModel(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if CPUModel() == "" {
		t.Error("empty CPU model")
	}
}
