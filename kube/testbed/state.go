package testbed

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// StateFile is the name of the state file in a testbed's folder.
const StateFile = "state.json"

// State is what a testbed made, written before each thing is made, so
// that `edgectl testbed down` removes all of it after a crash too, and
// nothing else.
type State struct {
	Version int    `json:"version"`
	ID      string `json:"id"` // in every name and label
	// Mode is "containers" or "local" (the fallback without an engine,
	// root or tc).
	Mode    string    `json:"mode"`
	Created time.Time `json:"created"`
	Engine  string    `json:"engine,omitempty"`
	Image   string    `json:"image,omitempty"`
	// ImageID is the image's ID when the testbed came up: the profiles
	// measured in place are cached per image, whose kernels they time.
	ImageID string `json:"imageID,omitempty"`
	Network string `json:"network,omitempty"`
	// Bridge is the network's bridge device and HostAddr the address
	// (CIDR) this host has on it; AddedAddr says the testbed added it.
	Bridge    string `json:"bridge,omitempty"`
	HostAddr  string `json:"hostAddr,omitempty"`
	AddedAddr bool   `json:"addedAddr,omitempty"`
	Medium    string `json:"medium"`
	Bandwidth int64  `json:"bandwidth"` // bits per second
	// IFB is the shared ifb, or the prefix of the devices' (switched).
	IFB       string        `json:"ifb,omitempty"`
	IFBs      []string      `json:"ifbs,omitempty"` // every ifb made
	CPUPeriod time.Duration `json:"cpuPeriod"`
	CPUShares int           `json:"cpuShares,omitempty"`
	Classes   []Class       `json:"classes"`
	Devices   []Device      `json:"devices"`
	// Containers lists every container name started (or about to be).
	Containers []string `json:"containers,omitempty"`
	// Processes are the fallback's supervisor and worker processes, and
	// Cgroups the cgroups it made for their quotas.
	Processes []Process `json:"processes,omitempty"`
	Cgroups   []string  `json:"cgroups,omitempty"`
	// Ready says the fallback's supervisor runs every device.
	Ready bool `json:"ready,omitempty"`
	// Cluster is the cluster file written, TokenFile the token's.
	Cluster   string `json:"cluster,omitempty"`
	TokenFile string `json:"tokenFile"`
	DataRoot  string `json:"dataRoot"`

	path string
}

// Class is a class of devices: Count devices of CPUs cores and Memory
// bytes (0: no limit) each.
type Class struct {
	Name   string  `json:"name"`
	Count  int     `json:"count"`
	CPUs   float64 `json:"cpus"`
	Memory int64   `json:"memory,omitempty"`
}

// Device is one device of the testbed as started: its class, its
// worker's address, and the host end of its veth (containers).
type Device struct {
	Name  string `json:"name"`
	Class string `json:"class"`
	Addr  string `json:"addr,omitempty"`
	Port  string `json:"port,omitempty"`
	PID   int    `json:"pid,omitempty"`
}

// Process is a process the fallback started, with its start time (in
// clock ticks since boot, /proc/PID/stat field 22) so that a reused pid
// is never killed.
type Process struct {
	Name  string `json:"name"`
	PID   int    `json:"pid"`
	Start uint64 `json:"start"`
}

// stateVersion is the format of State.
const stateVersion = 1

// LoadState reads dir's state file.
func LoadState(dir string) (*State, error) {
	path := filepath.Join(dir, StateFile)
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &NoTestbedError{Dir: dir}
		}
		return nil, err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.Version != stateVersion {
		return nil, fmt.Errorf("%s: state version %d, this edgectl reads %d", path, s.Version, stateVersion)
	}
	s.path = path
	return &s, nil
}

// NoTestbedError says that a folder holds no testbed.
type NoTestbedError struct{ Dir string }

func (e *NoTestbedError) Error() string {
	return fmt.Sprintf("no testbed in %s (no %s)", e.Dir, StateFile)
}

// Save writes the state file atomically (a temporary file renamed over
// it), so that a crash leaves the old state or the new, never half.
func (s *State) Save() error {
	if s.path == "" {
		return errors.New("testbed state: no file")
	}
	s.Version = stateVersion
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".state-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.path)
}

// addContainer records a container name (once) and saves.
func (s *State) addContainer(name string) error {
	if !slices.Contains(s.Containers, name) {
		s.Containers = append(s.Containers, name)
	}
	return s.Save()
}

// addIFB records an ifb (once) and saves.
func (s *State) addIFB(name string) error {
	if !slices.Contains(s.IFBs, name) {
		s.IFBs = append(s.IFBs, name)
	}
	return s.Save()
}

// Label is the label on everything the testbed's engine made.
func (s *State) Label() string { return LabelKey + "=" + s.ID }

// LabelKey is the key of the label that marks a testbed's containers and
// network; its value is the testbed's id.
const LabelKey = "edgectl.dev/testbed"

// Path is where the state file is.
func (s *State) Path() string { return s.path }

// Dir is the testbed's folder.
func (s *State) Dir() string { return filepath.Dir(s.path) }
