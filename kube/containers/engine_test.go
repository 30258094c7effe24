package containers

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRunArgs(t *testing.T) {
	s := RunSpec{Name: "edgectl-tb-abc123-dev-0", Image: "localhost/edgectl-testbed:latest",
		Labels: map[string]string{"edgectl.dev/testbed": "abc123", "a": "b"}, Network: "edgectl-tb-abc123",
		CPUs: 0.2, CPUPeriod: 10 * time.Millisecond, CPUShares: 8192, Memory: 2 << 30,
		Env: []string{"EDGECTL_TOKEN"}, EnvValues: []string{"EDGECTL_TOKEN=secret"},
		Mounts: []Mount{{Host: "/data/dev-0", Container: "/var/lib/edgectl"}, {Host: "/m", Container: "/m", ReadOnly: true}},
		Args:   []string{"worker", "--threads", "1"}}
	want := []string{"run", "-d", "--name", "edgectl-tb-abc123-dev-0", "--label", "a=b", "--label", "edgectl.dev/testbed=abc123",
		"--network", "edgectl-tb-abc123", "--cpu-period", "10000", "--cpu-quota", "2000", "--cpu-shares", "8192",
		"--memory", "2147483648", "--memory-swap", "2147483648", "-e", "EDGECTL_TOKEN",
		"-v", "/data/dev-0:/var/lib/edgectl", "-v", "/m:/m:ro", "localhost/edgectl-testbed:latest", "worker", "--threads", "1"}
	for _, e := range []interface{ RunArgs(RunSpec) []string }{&Podman{}, &Docker{}} {
		got := e.RunArgs(s)
		if !slices.Equal(got, want) {
			t.Errorf("%T.RunArgs:\n got %q\nwant %q", e, got, want)
		}
		if strings.Contains(strings.Join(got, " "), "secret") {
			t.Errorf("%T.RunArgs puts the token's value in the arguments", e)
		}
	}
	s.CPUPeriod = 0
	if got := runArgs(s); !slices.Contains(got, "--cpus") || slices.Contains(got, "--cpu-period") {
		t.Errorf("without a period: %q, want --cpus", got)
	}
}

func TestQuotaMicros(t *testing.T) {
	for _, c := range []struct {
		cpus   float64
		period time.Duration
		want   int64
	}{{0.2, 10 * time.Millisecond, 2000}, {0.15, 10 * time.Millisecond, 1500}, {0.05, 10 * time.Millisecond, 1000}, {1.5, 100 * time.Millisecond, 150000}} {
		if got := QuotaMicros(c.cpus, c.period); got != c.want {
			t.Errorf("QuotaMicros(%v, %v) = %d, want %d", c.cpus, c.period, got, c.want)
		}
	}
}

func TestNetworkArgs(t *testing.T) {
	s := NetworkSpec{Name: "edgectl-tb-abc123", Labels: map[string]string{"edgectl.dev/testbed": "abc123"}, Internal: true, Bridge: "etbabc123br"}
	if got, want := (&Podman{}).NetworkArgs(s), []string{"network", "create", "--driver", "bridge", "--disable-dns",
		"--label", "edgectl.dev/testbed=abc123", "--internal", "edgectl-tb-abc123"}; !slices.Equal(got, want) {
		t.Errorf("podman: %q, want %q", got, want)
	}
	if got, want := (&Docker{}).NetworkArgs(s), []string{"network", "create", "--driver", "bridge",
		"--label", "edgectl.dev/testbed=abc123", "--internal", "-o", "com.docker.network.bridge.name=etbabc123br", "edgectl-tb-abc123"}; !slices.Equal(got, want) {
		t.Errorf("docker: %q, want %q", got, want)
	}
}

func TestParseNetworks(t *testing.T) {
	p, err := parsePodmanNetwork("n", `[{"name":"n","network_interface":"podman3","subnets":[{"subnet":"10.89.2.0/24"}],"internal":true}]`)
	if err != nil || p != (Network{Name: "n", Bridge: "podman3", Subnet: "10.89.2.0/24"}) {
		t.Errorf("podman: %+v, %v", p, err)
	}
	d, err := parseDockerNetwork("n", `[{"Name":"n","Id":"0123456789abcdef","Options":{},"IPAM":{"Config":[{"Subnet":"172.18.0.0/16","Gateway":"172.18.0.1"}]}}]`)
	if err != nil || d != (Network{Name: "n", Bridge: "br-0123456789ab", Subnet: "172.18.0.0/16", Gateway: "172.18.0.1"}) {
		t.Errorf("docker: %+v, %v", d, err)
	}
	if _, err := parsePodmanNetwork("n", `[]`); err == nil {
		t.Error("an empty inspect parsed")
	}
}

func TestParseStatus(t *testing.T) {
	status := "Name:\tedgectl\nVmPeak:\t 2000000 kB\nVmHWM:\t  400000 kB\nVmRSS:\t  300000 kB\nRssAnon:\t  250000 kB\nRssFile:\t 50000 kB\n"
	m, err := parseStatus(bufio.NewScanner(strings.NewReader(status)))
	if err != nil || m.PeakRSS != 400000<<10 || m.RSS != 300000<<10 || m.Anon != 250000<<10 {
		t.Errorf("parseStatus = %+v, %v", m, err)
	}
	if _, err := parseStatus(bufio.NewScanner(strings.NewReader("Name:\tx\n"))); err == nil {
		t.Error("a status without VmHWM parsed")
	}
}

func TestCgroupPeak(t *testing.T) {
	root := t.TempDir()
	v1 := filepath.Join(root, "memory", "libpod_parent", "libpod-1")
	v2 := filepath.Join(root, "user.slice", "c2")
	for dir, file := range map[string]string{v1: "memory.max_usage_in_bytes", v2: "memory.peak"} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), []byte("12345\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := cgroupPeak(root, "4:memory:/libpod_parent/libpod-1\n1:cpu:/x\n0::/\n"); got != 12345 {
		t.Errorf("cgroup v1: %d", got)
	}
	if got := cgroupPeak(root, "0::/user.slice/c2\n"); got != 12345 {
		t.Errorf("cgroup v2: %d", got)
	}
	if got := cgroupPeak(root, "0::/nowhere\n"); got != 0 {
		t.Errorf("no cgroup: %d", got)
	}
}
