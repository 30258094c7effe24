package cluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/planner/costmodel"
)

// Profiles reads each class's profile file relative to the cluster file,
// leaves out classes without one, and names the class of a file it
// cannot read or decode.
func TestCluster_Profiles(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "profiles"), 0o755)
	os.WriteFile(filepath.Join(dir, "profiles", "jetson.yaml"), []byte("host: jetson orin\n"), 0o644)
	path := filepath.Join(dir, "c.yaml")
	os.WriteFile(path, []byte(good), 0o644)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	decode := func(name string, data []byte) (*costmodel.Profile, error) {
		names = append(names, name)
		if !strings.HasPrefix(string(data), "host: ") {
			return nil, os.ErrInvalid
		}
		return &costmodel.Profile{Host: strings.TrimSpace(strings.TrimPrefix(string(data), "host: "))}, nil
	}
	ps, err := c.Profiles(decode)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps["jetson"].Host != "jetson orin" || ps["pi4"] != nil {
		t.Errorf("profiles %v", ps)
	}
	if len(names) != 1 || names[0] != filepath.Join(dir, "profiles", "jetson.yaml") {
		t.Errorf("decoded %v", names)
	}
	os.WriteFile(filepath.Join(dir, "profiles", "jetson.yaml"), []byte("nonsense"), 0o644)
	if _, err := c.Profiles(decode); err == nil || !strings.Contains(err.Error(), path+`: class "jetson": profile: invalid argument`) {
		t.Errorf("bad profile: %v", err)
	}
	os.Remove(filepath.Join(dir, "profiles", "jetson.yaml"))
	if _, err := c.Profiles(decode); err == nil || !strings.Contains(err.Error(), `class "jetson": profile: open `) {
		t.Errorf("missing profile: %v", err)
	}
}
