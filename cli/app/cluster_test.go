package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/planner/cluster"
)

// `cluster example` writes a commented file that loads as asked.
func TestClusterExample(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "cluster.yaml")
	code, stdout, stderr := run(t, "cluster", "example", "--class", "pi4=3:0.4,jetson=1:1.5", "--bandwidth", "20mbit", "--medium", "switched", "-o", out)
	if code != 0 || !strings.Contains(stdout, "wrote "+out+" (4 devices") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	c, err := cluster.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Devices) != 4 || c.Devices[3].Class != "jetson" || c.Classes[0].Speed != 0.4 || c.Network.Bandwidth != 20e6 || c.Network.Medium != cluster.Switched {
		t.Errorf("loaded %+v", c)
	}
	data, _ := os.ReadFile(out)
	if !strings.Contains(string(data), "# The addresses are placeholders") {
		t.Errorf("no comment on the addresses:\n%s", data)
	}
	// It does not overwrite.
	if code, _, stderr := run(t, "cluster", "example", "--devices", "2", "-o", out); code != 1 || !strings.Contains(stderr, "exists") {
		t.Errorf("overwrite: exit %d, %s", code, stderr)
	}
	// Standard output, --cpu.
	code, stdout, _ = run(t, "cluster", "example", "--devices", "3", "--cpu", "0.25")
	if c, err := cluster.Decode("stdout", []byte(stdout)); code != 0 || err != nil || len(c.Devices) != 3 || c.Classes[0].Speed != 0.25 {
		t.Errorf("stdout: exit %d, %v", code, err)
	}
}

func TestClusterExample_Errors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--devices", "0"}, "--devices 0: want at least 1"},
		{[]string{"--devices", "2", "--cpu", "1", "--class", "a=2:1"}, "--cpu and --class exclude each other"},
		{[]string{"--class", "a=two:1"}, `--class "a=two:1": want NAME=COUNT:F`},
		{[]string{"--devices", "3", "--class", "a=2:1"}, "the classes have 2 devices, not 3"},
		{[]string{"--devices", "2", "--bandwidth", "fast"}, `--bandwidth: "fast" is not a bandwidth`},
		{[]string{"--devices", "2", "--medium", "air"}, `network.medium "air"`},
		{[]string{"--devices", "2", "--cpu", "-1"}, "speed -1"},
		{[]string{"--class", "Big=1:1"}, `class name "Big"`},
	} {
		code, _, stderr := run(t, append([]string{"cluster", "example"}, tc.args...)...)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
}
