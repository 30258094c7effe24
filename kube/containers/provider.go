package containers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// The worker image's user and data directory (kube/image).
const (
	imageUID     = 65532
	imageDataDir = "/var/lib/edgectl"
	// DefaultPort is the port workers listen on in their containers.
	DefaultPort = 7070
)

// Device is one worker container: its name (the container's and the
// device's), CPU quota in cores, memory limit in bytes (0: none) and
// intra-op threads (0: 1).
type Device struct {
	Name    string
	CPUs    float64
	Memory  int64
	Threads int
}

// Provider starts workers as containers of Image on Network, one per
// Device. It is a coord.Provider: Start(ctx, n) starts Devices[:n].
type Provider struct {
	Engine  Engine
	Image   string
	Network string
	Devices []Device
	// CPUPeriod is the period over which quotas are enforced (0: the
	// engine's default, 100ms).
	CPUPeriod time.Duration
	// CPUShares is every container's CPU weight (0: the engine's).
	CPUShares int
	// Labels go on every container (removal is by label).
	Labels map[string]string
	// Token is the workers' shared token (in $EDGECTL_TOKEN).
	Token string
	// DataRoot is the host folder that holds each worker's data directory
	// (DataRoot/NAME, mounted at /var/lib/edgectl, owned by the image's
	// user); the coordinator links models into it.
	DataRoot string
	// Port the workers listen on (0: DefaultPort).
	Port int
	// Starting is called with each container's name before it is
	// started (a state file records it first); Started once it runs,
	// before its worker is waited for (shaping its network port).
	Starting func(name string) error
	Started  func(ctx context.Context, c Container) error
	// StartTimeout bounds the wait for each worker to serve (0: 60s).
	StartTimeout time.Duration
}

// Start implements coord.Provider.
func (p *Provider) Start(ctx context.Context, n int) (coord.Fleet, error) {
	f, err := p.StartFleet(ctx, n)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// StartFleet starts the first n devices and waits until their workers
// serve. On error, nothing it started is left.
func (p *Provider) StartFleet(ctx context.Context, n int) (f *Fleet, err error) {
	if n < 1 || n > len(p.Devices) {
		return nil, fmt.Errorf("containers: %d workers wanted, %d devices known", n, len(p.Devices))
	}
	if p.Token == "" {
		return nil, errors.New("containers: no token for the workers")
	}
	port := p.Port
	if port == 0 {
		port = DefaultPort
	}
	f = &Fleet{p: p}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	var addrs []string
	for _, d := range p.Devices[:n] {
		c, dir, err := p.start(ctx, d, port)
		if dir != "" {
			f.dirs = append(f.dirs, dir)
		}
		if c.Name != "" {
			f.containers = append(f.containers, c)
		}
		if err != nil {
			return f, err
		}
		addrs = append(addrs, net.JoinHostPort(c.IPs[p.Network], strconv.Itoa(port)))
	}
	cl, err := coord.Dial(addrs, coord.Auth{Token: p.Token})
	if err != nil {
		return f, err
	}
	f.cluster = cl
	for i, w := range cl.Workers {
		w.DataDir = f.dirs[i]
	}
	timeout := p.StartTimeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := cl.WaitReady(wctx); err != nil {
		var logs []string
		for _, c := range f.containers {
			out, _ := p.Engine.Logs(context.WithoutCancel(ctx), c.Name)
			logs = append(logs, fmt.Sprintf("%s:\n%s", c.Name, strings.TrimSpace(out)))
		}
		return f, fmt.Errorf("containers: %w\n%s", err, strings.Join(logs, "\n"))
	}
	return f, nil
}

// start runs one device's container and returns it inspected, with its
// data directory on the host.
func (p *Provider) start(ctx context.Context, d Device, port int) (Container, string, error) {
	dir := filepath.Join(p.DataRoot, d.Name)
	if p.DataRoot == "" {
		return Container{}, "", errors.New("containers: no data root for the workers' data directories")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Container{}, "", err
	}
	if err := os.Chown(dir, imageUID, imageUID); err != nil {
		return Container{}, dir, fmt.Errorf("containers: %w", err)
	}
	if p.Starting != nil {
		if err := p.Starting(d.Name); err != nil {
			return Container{}, dir, err
		}
	}
	// A container of this name left by a crashed run is this testbed's own
	// (names carry its id): it goes first.
	if err := p.Engine.Remove(ctx, d.Name); err != nil {
		return Container{}, dir, err
	}
	threads := max(d.Threads, 1)
	spec := RunSpec{Name: d.Name, Image: p.Image, Labels: p.Labels, Network: p.Network, CPUs: d.CPUs, CPUPeriod: p.CPUPeriod,
		CPUShares: p.CPUShares, Memory: d.Memory, Env: []string{"EDGECTL_TOKEN"}, EnvValues: []string{"EDGECTL_TOKEN=" + p.Token},
		Mounts: []Mount{{Host: dir, Container: imageDataDir}},
		Args: []string{"worker", "--listen", fmt.Sprintf("0.0.0.0:%d", port), "--data-dir", imageDataDir,
			"--threads", strconv.Itoa(threads), "--device-class", d.Name}}
	if _, err := p.Engine.Run(ctx, spec); err != nil {
		// A container that was created but did not start is still there.
		return Container{Name: d.Name}, dir, fmt.Errorf("containers: start %s: %w", d.Name, err)
	}
	c, err := p.Engine.Inspect(ctx, d.Name)
	if err != nil {
		return Container{Name: d.Name}, dir, err
	}
	if c.IPs[p.Network] == "" {
		return c, dir, fmt.Errorf("containers: %s has no address on network %s", d.Name, p.Network)
	}
	if p.Started != nil {
		if err := p.Started(ctx, c); err != nil {
			return c, dir, err
		}
	}
	return c, dir, nil
}

// Fleet is the workers a Provider started. It is a coord.Fleet.
type Fleet struct {
	p          *Provider
	cluster    *coord.Cluster
	containers []Container
	dirs       []string
	once       sync.Once
	err        error
}

// Connected implements coord.Fleet.
func (f *Fleet) Connected() *coord.Cluster { return f.cluster }

// Containers are the fleet's containers, in the order of its workers.
func (f *Fleet) Containers() []Container { return append([]Container(nil), f.containers...) }

// Kill kills worker i's container (a device lost mid-run).
func (f *Fleet) Kill(ctx context.Context, i int) error {
	return f.p.Engine.Kill(ctx, f.containers[i].Name)
}

// Memory reads worker i's memory use (from /proc and its cgroup).
func (f *Fleet) Memory(i int) (MemoryUse, error) { return ReadMemory(f.containers[i].PID) }

// CPU reads the CPU time worker i's container has used.
func (f *Fleet) CPU(i int) (time.Duration, error) { return ReadCPU(f.containers[i].PID) }

// Close implements coord.Fleet: it removes the containers and their data
// directories.
func (f *Fleet) Close() error {
	f.once.Do(func() {
		if f.cluster != nil {
			f.cluster.Close()
		}
		var names []string
		for _, c := range f.containers {
			names = append(names, c.Name)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		errs := []error{f.p.Engine.Remove(ctx, names...)}
		for _, d := range f.dirs {
			errs = append(errs, os.RemoveAll(d))
		}
		f.err = errors.Join(errs...)
	})
	return f.err
}
