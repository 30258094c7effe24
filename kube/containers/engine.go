package containers

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Engine is a container engine's command line, as the testbed uses it.
// Removing what does not exist is not an error.
type Engine interface {
	// Name is "podman" or "docker".
	Name() string
	// Run starts a detached container and returns its id.
	Run(ctx context.Context, s RunSpec) (string, error)
	// Inspect returns a running or stopped container.
	Inspect(ctx context.Context, name string) (Container, error)
	// Logs returns a container's standard output and error.
	Logs(ctx context.Context, name string) (string, error)
	// Kill sends SIGKILL to a container's processes (it stays, stopped).
	Kill(ctx context.Context, name string) error
	// Remove removes containers at once (SIGKILL first).
	Remove(ctx context.Context, names ...string) error
	// CreateNetwork creates a bridge network.
	CreateNetwork(ctx context.Context, s NetworkSpec) error
	// InspectNetwork returns a network's bridge device and subnet.
	InspectNetwork(ctx context.Context, name string) (Network, error)
	// RemoveNetwork removes a network.
	RemoveNetwork(ctx context.Context, name string) error
	// Containers and Networks list the names of what carries the label
	// KEY=VALUE.
	Containers(ctx context.Context, label string) ([]string, error)
	Networks(ctx context.Context, label string) ([]string, error)
	// ImageExists reports whether the engine has the image.
	ImageExists(ctx context.Context, ref string) (bool, error)
	// ImageID returns the image's ID (its config's digest), which changes
	// with every build even where the tag does not.
	ImageID(ctx context.Context, ref string) (string, error)
}

// RunSpec is a container to run.
type RunSpec struct {
	Name    string
	Image   string
	Labels  map[string]string
	Network string
	// CPUs is the CPU quota in cores (0: none), enforced over periods of
	// CPUPeriod (0: the engine's, 100ms).
	CPUs      float64
	CPUPeriod time.Duration
	// CPUShares is the container's CPU weight against other processes
	// when the host's cores are all busy (0: the engine's, 1024).
	CPUShares int
	// Memory is the memory limit in bytes (0: none); swap is limited to
	// the same, so that a device out of memory fails instead of swapping.
	Memory int64
	// Env names variables passed from the engine's environment (EnvValues),
	// so that values such as tokens never appear in arguments.
	Env       []string
	EnvValues []string // NAME=VALUE, set in the engine's environment
	Mounts    []Mount
	// Args follow the image: the entrypoint's arguments.
	Args []string
}

// Mount is a bind mount of a host path.
type Mount struct {
	Host, Container string
	ReadOnly        bool
}

// Container is what Inspect reports.
type Container struct {
	Name    string
	ID      string
	Running bool
	// PID is the container's first process on the host (0 when stopped).
	PID int
	// IPs by network name.
	IPs map[string]string
}

// NetworkSpec is a bridge network to create.
type NetworkSpec struct {
	Name   string
	Labels map[string]string
	// Internal networks have no route out of this machine.
	Internal bool
	// Bridge names the bridge device where the engine allows it (docker);
	// podman 4 chooses its own (podmanN), which InspectNetwork reports.
	Bridge string
}

// Network is what InspectNetwork reports.
type Network struct {
	Name    string
	Bridge  string // the bridge device on the host
	Subnet  string // CIDR
	Gateway string // the host's address on the bridge, when the engine gives it one
}

// NotFoundError says a container or network does not exist.
type NotFoundError struct{ What, Name string }

func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %q does not exist", e.What, e.Name) }

// Options configure Detect.
type Options struct {
	// Engine is "podman", "docker" or "" (the first of them that works).
	Engine string
	// PodmanConf is a containers.conf to give podman (CONTAINERS_CONF),
	// unless the environment sets one already.
	PodmanConf string
}

// Detect returns the engine to use: opts.Engine, else podman if it
// answers, else docker if its daemon answers. The error says what was
// tried.
func Detect(ctx context.Context, opts Options) (Engine, error) {
	names := []string{"podman", "docker"}
	if opts.Engine != "" {
		if opts.Engine != "podman" && opts.Engine != "docker" {
			return nil, fmt.Errorf("container engine %q: want podman or docker", opts.Engine)
		}
		names = []string{opts.Engine}
	}
	var tried []string
	for _, n := range names {
		path, err := exec.LookPath(n)
		if err != nil {
			tried = append(tried, n+": not installed")
			continue
		}
		var e Engine
		if n == "podman" {
			e = NewPodman(path, opts.PodmanConf)
		} else {
			e = NewDocker(path)
		}
		c := e.(interface{ cli() *command }).cli()
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err = c.run(ctx, "version")
		cancel()
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s: %v", n, lastLine(err.Error())))
			continue
		}
		return e, nil
	}
	return nil, &NoEngineError{Tried: tried}
}

// NoEngineError says that no container engine works here.
type NoEngineError struct{ Tried []string }

func (e *NoEngineError) Error() string {
	return "no container engine works here (" + strings.Join(e.Tried, "; ") + ")"
}

// IsNotFound reports whether err says that something does not exist.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
