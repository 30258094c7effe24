package testbed

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/edgectl/edgectl/kube/containers"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// DeviceName is the name of device i in cluster files: dev-0, dev-1, ...
func DeviceName(i int) string { return "dev-" + strconv.Itoa(i) }

// ClassOf returns the class of device i (classes in order, Count each).
func ClassOf(classes []Class, i int) (Class, bool) {
	for _, c := range classes {
		if i < c.Count {
			return c, true
		}
		i -= c.Count
	}
	return Class{}, false
}

// DeviceCount is the number of devices of the classes.
func DeviceCount(classes []Class) int {
	n := 0
	for _, c := range classes {
		n += c.Count
	}
	return n
}

// containerName is device i's container.
func (tb *Testbed) containerName(i int) string {
	return fmt.Sprintf("edgectl-tb-%s-%s", tb.st.ID, DeviceName(i))
}

// Fleet is devices started on the testbed: a coord.Fleet that also
// reads the devices' memory and kills one (a device lost).
type Fleet interface {
	coord.Fleet
	// Names are the devices' names (dev-0, ...), in worker order.
	Names() []string
	// Memory reads device i's worker's memory.
	Memory(i int) (containers.MemoryUse, error)
	// CPU reads the CPU time device i has used so far.
	CPU(i int) (time.Duration, error)
	// Kill kills device i's worker at once.
	Kill(ctx context.Context, i int) error
}

// Provider starts the first n devices of a testbed, shaped. It is a
// coord.Provider, for edgectl run and the bench.
type Provider struct{ tb *Testbed }

// Provider returns the testbed's provider.
func (tb *Testbed) Provider() *Provider { return &Provider{tb} }

// Start implements coord.Provider.
func (p *Provider) Start(ctx context.Context, n int) (coord.Fleet, error) {
	f, err := p.StartDevices(ctx, n)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// StartDevices starts the first n devices and waits until their workers
// serve.
func (p *Provider) StartDevices(ctx context.Context, n int) (Fleet, error) {
	tb := p.tb
	if n < 1 || n > DeviceCount(tb.st.Classes) {
		return nil, fmt.Errorf("testbed: %d devices wanted, it has %d", n, DeviceCount(tb.st.Classes))
	}
	if tb.st.Mode != "containers" {
		return tb.startLocal(ctx, n)
	}
	index := map[string]int{}
	var devs []containers.Device
	for i := range n {
		c, _ := ClassOf(tb.st.Classes, i)
		name := tb.containerName(i)
		index[name] = i
		devs = append(devs, containers.Device{Name: name, CPUs: c.CPUs, Memory: c.Memory, Threads: 1})
	}
	cp := &containers.Provider{Engine: tb.engine, Image: tb.st.Image, Network: tb.st.Network, Devices: devs,
		CPUPeriod: tb.st.CPUPeriod, CPUShares: tb.st.CPUShares, Labels: map[string]string{LabelKey: tb.st.ID}, Token: tb.token,
		DataRoot: tb.st.DataRoot, Starting: tb.st.addContainer,
		Started: func(ctx context.Context, c containers.Container) error { return tb.shapeDevice(ctx, index[c.Name], c) }}
	tb.logf("starting %d device containers", n)
	f, err := cp.StartFleet(ctx, n)
	if err != nil {
		return nil, err
	}
	return &containerFleet{Fleet: f, n: n}, nil
}

// shapeDevice shapes device i's port (and the bridge, which its first
// container brings up) and records the device.
func (tb *Testbed) shapeDevice(ctx context.Context, i int, c containers.Container) error {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	port, err := hostPort("/sys", c.PID)
	if err != nil {
		return fmt.Errorf("testbed: %s: %w", c.Name, err)
	}
	if err := tb.setupBridge(ctx); err != nil {
		return err
	}
	if tb.st.Medium == Switched {
		if err := tb.st.addIFB(tb.shape.IFBFor(i)); err != nil {
			return err
		}
	}
	if err := apply(ctx, tb.run, tb.shape.PortCmds(i, port)); err != nil {
		return fmt.Errorf("testbed: shaping %s: %w", c.Name, err)
	}
	for len(tb.st.Devices) <= i {
		j := len(tb.st.Devices)
		cl, _ := ClassOf(tb.st.Classes, j)
		tb.st.Devices = append(tb.st.Devices, Device{Name: DeviceName(j), Class: cl.Name})
	}
	d := &tb.st.Devices[i]
	d.Addr = net.JoinHostPort(c.IPs[tb.st.Network], strconv.Itoa(containers.DefaultPort))
	d.Port, d.PID = port, c.PID
	return tb.st.Save()
}

// setupBridge gives this host its address on the bridge and shapes what
// it sends, once per bridge: the engine makes the bridge with the first
// container and removes it with the last.
func (tb *Testbed) setupBridge(ctx context.Context) error {
	idx, err := os.ReadFile(filepath.Join("/sys/class/net", tb.st.Bridge, "ifindex"))
	if err != nil {
		return fmt.Errorf("testbed: bridge %s: %w", tb.st.Bridge, err)
	}
	if strings.TrimSpace(string(idx)) == tb.bridgeIndex {
		return nil
	}
	var cmds []Cmd
	if tb.st.AddedAddr {
		cmds = append(cmds, cmd("ip", "addr", "replace", tb.st.HostAddr, "dev", tb.st.Bridge))
	}
	cmds = append(cmds, tb.shape.BridgeCmds()...)
	if err := apply(ctx, tb.run, cmds); err != nil {
		return fmt.Errorf("testbed: bridge %s: %w", tb.st.Bridge, err)
	}
	tb.bridgeIndex = strings.TrimSpace(string(idx))
	return nil
}

// containerFleet is a Fleet of containers.
type containerFleet struct {
	*containers.Fleet
	n int
}

func (f *containerFleet) Names() []string {
	out := make([]string, f.n)
	for i := range out {
		out[i] = DeviceName(i)
	}
	return out
}
