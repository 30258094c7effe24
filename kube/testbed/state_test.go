package testbed

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgectl/edgectl/kube/containers"
)

func TestState_SaveLoad(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadState(dir); !errors.As(err, new(*NoTestbedError)) {
		t.Fatalf("LoadState of an empty folder: %v, want NoTestbedError", err)
	}
	st := &State{ID: "abc123", Mode: "containers", Medium: Shared, Bandwidth: 100e6, CPUPeriod: 10 * time.Millisecond,
		Classes: []Class{{Name: "cpu", Count: 2, CPUs: 0.2}}, path: filepath.Join(dir, StateFile)}
	if err := st.addContainer("edgectl-tb-abc123-dev-0"); err != nil {
		t.Fatal(err)
	}
	if err := st.addContainer("edgectl-tb-abc123-dev-0"); err != nil {
		t.Fatal(err)
	}
	if err := st.addIFB("etbabc123"); err != nil {
		t.Fatal(err)
	}
	got, err := LoadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Containers, []string{"edgectl-tb-abc123-dev-0"}) || !slices.Equal(got.IFBs, []string{"etbabc123"}) ||
		got.ID != "abc123" || got.CPUPeriod != 10*time.Millisecond || got.Label() != "edgectl.dev/testbed=abc123" || got.Dir() != dir {
		t.Errorf("loaded %+v", got)
	}
	// Saves replace the file whole: no temporary file stays.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("the folder holds %d files after saves, want the state file only", len(ents))
	}
	os.WriteFile(st.path, []byte(`{"version": 99}`), 0o644)
	if _, err := LoadState(dir); err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("a state file of another version: %v", err)
	}
}

// fakeEngine records what Down removes; it holds containers and networks
// by label.
type fakeEngine struct {
	containers.Engine
	mu         sync.Mutex
	labelled   map[string][]string // label -> containers
	nets       map[string][]string // label -> networks
	removed    []string
	removedNet []string
}

func (f *fakeEngine) Name() string { return "podman" }
func (f *fakeEngine) Remove(_ context.Context, names ...string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = append(f.removed, names...)
	return nil
}
func (f *fakeEngine) RemoveNetwork(_ context.Context, name string) error {
	f.removedNet = append(f.removedNet, name)
	return nil
}
func (f *fakeEngine) Containers(_ context.Context, label string) ([]string, error) {
	return f.labelled[label], nil
}
func (f *fakeEngine) Networks(_ context.Context, label string) ([]string, error) {
	return f.nets[label], nil
}

// recorder is a Runner that records commands.
type recorder struct{ cmds []string }

func (r *recorder) Run(_ context.Context, args []string) error {
	r.cmds = append(r.cmds, strings.Join(args, " "))
	return nil
}

// Down removes what the state file lists and what carries the testbed's
// label with its id in the name, and nothing else; then the state file.
func TestDown_RemovesWhatItMadeOnly(t *testing.T) {
	dir := t.TempDir()
	sys := t.TempDir()
	for _, l := range []string{"etbabc123", "ifb0", "eth0"} {
		os.MkdirAll(filepath.Join(sys, "class/net", l), 0o755)
	}
	data := filepath.Join(dir, "data")
	os.MkdirAll(filepath.Join(data, "dev-0"), 0o755)
	st := &State{ID: "abc123", Mode: "containers", Engine: "podman", Network: "edgectl-tb-abc123", Medium: Shared,
		IFB: "etbabc123", IFBs: []string{"etbabc123", "etbabc1230"}, DataRoot: data,
		Containers: []string{"edgectl-tb-abc123-dev-0"}, path: filepath.Join(dir, StateFile)}
	if err := st.Save(); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "cluster.yaml"), []byte("kept"), 0o644)
	fe := &fakeEngine{
		labelled: map[string][]string{"edgectl.dev/testbed=abc123": {"edgectl-tb-abc123-dev-0", "edgectl-tb-abc123-dev-1", "someone-elses"}},
		nets:     map[string][]string{"edgectl.dev/testbed=abc123": {"edgectl-tb-abc123", "other-net"}},
	}
	defer func(d func(context.Context, containers.Options) (containers.Engine, error), s string) {
		detect, sysfs = d, s
	}(detect, sysfs)
	detect = func(context.Context, containers.Options) (containers.Engine, error) { return fe, nil }
	sysfs = sys
	r := &recorder{}
	if err := Down(context.Background(), dir, r, nil); err != nil {
		t.Fatal(err)
	}
	if want := []string{"edgectl-tb-abc123-dev-0", "edgectl-tb-abc123-dev-1"}; !slices.Equal(fe.removed, want) {
		t.Errorf("removed containers %q, want %q (a container of another name keeps its copied label)", fe.removed, want)
	}
	if want := []string{"edgectl-tb-abc123"}; !slices.Equal(fe.removedNet, want) {
		t.Errorf("removed networks %q, want %q", fe.removedNet, want)
	}
	if want := []string{"ip link del etbabc123"}; !slices.Equal(r.cmds, want) {
		t.Errorf("commands %q, want %q (ifbs that are gone are left alone, others' never touched)", r.cmds, want)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("the data folder stays: %v", err)
	}
	if _, err := LoadState(dir); !errors.As(err, new(*NoTestbedError)) {
		t.Errorf("the state file stays: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "cluster.yaml")); string(b) != "kept" {
		t.Error("the cluster file went")
	}
	if err := Down(context.Background(), dir, r, nil); !errors.As(err, new(*NoTestbedError)) {
		t.Errorf("a second down: %v, want NoTestbedError", err)
	}
}

// A failed removal keeps the state file, so that down can run again.
func TestDown_KeepsStateOnFailure(t *testing.T) {
	dir := t.TempDir()
	sys := t.TempDir()
	os.MkdirAll(filepath.Join(sys, "class/net", "etbabc123"), 0o755)
	st := &State{ID: "abc123", Mode: "containers", Medium: Shared, IFBs: []string{"etbabc123"}, path: filepath.Join(dir, StateFile)}
	st.Save()
	defer func(d func(context.Context, containers.Options) (containers.Engine, error), s string) {
		detect, sysfs = d, s
	}(detect, sysfs)
	detect = func(context.Context, containers.Options) (containers.Engine, error) { return &fakeEngine{}, nil }
	sysfs = sys
	err := Down(context.Background(), dir, failing{}, nil)
	if err == nil || !strings.Contains(err.Error(), "run down again") {
		t.Fatalf("down with a failing ip: %v", err)
	}
	if _, err := LoadState(dir); err != nil {
		t.Errorf("the state file is gone after a failed down: %v", err)
	}
}

type failing struct{}

func (failing) Run(context.Context, []string) error { return errors.New("no") }
