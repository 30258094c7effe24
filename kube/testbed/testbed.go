package testbed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/edgectl/edgectl/kube/containers"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// Config says what testbed to make.
type Config struct {
	// Dir is the testbed's folder: state file, token, cluster file,
	// profiles and the workers' data directories.
	Dir     string
	Classes []Class
	// Bandwidth in bits per second and Medium (Shared or Switched).
	Bandwidth int64
	Medium    string
	// CPUPeriod is the period of the CPU quotas (0: DefaultCPUPeriod).
	CPUPeriod time.Duration
	// CPUShares is each device's CPU weight against the host's other
	// processes (0: DefaultCPUShares), so that a busy host still gives
	// every device its quota.
	CPUShares int
	// Image is the worker image (its engine must have it).
	Image string
	// Engine chooses the container engine ("" the first that works).
	Engine string
	// Threads of each worker (0: 1).
	Threads int
	// Local forces the fallback of local processes, which Worker (the
	// command of one local worker) makes possible; Supervisor makes the
	// command that keeps the fallback's devices running after Up returns
	// (edgectl testbed serve).
	Local      bool
	Worker     coord.CommandFunc
	Supervisor func(dir string) *exec.Cmd
	// Runner runs ip and tc (nil: ExecRunner).
	Runner Runner
	// Log receives a line per step (nil: none).
	Log io.Writer
}

// DefaultCPUPeriod is the CFS period of the devices' quotas: short, so
// that a layer of a few milliseconds is slowed evenly rather than run at
// full speed or stalled for most of a period (the default 100ms), and at
// least 1ms of quota (the kernel's least) for 0.1 of a core.
const DefaultCPUPeriod = 10 * time.Millisecond

// DefaultCPUShares is the devices' CPU weight: eight times a process's,
// so that the host's other work cannot take a device's quota from it
// (the quota still caps what the devices take).
const DefaultCPUShares = 8192

// Testbed is a made testbed: its state, its engine and how it shapes.
type Testbed struct {
	st     *State
	engine containers.Engine
	shape  Shaping
	run    Runner
	log    io.Writer
	token  string

	mu          sync.Mutex // shaping and the state's devices
	bridgeIndex string     // ifindex of the bridge last set up
	// The fallback's: the command of a local worker, and the relays'
	// buckets by device (one, 0, on a shared medium).
	worker  coord.CommandFunc
	buckets map[int]*bucket
}

// Create makes the testbed's network (or, in the fallback, its shaper)
// but starts no device. The state file is written before anything is
// made.
func Create(ctx context.Context, cfg Config) (tb *Testbed, err error) {
	if cfg.CPUPeriod == 0 {
		cfg.CPUPeriod = DefaultCPUPeriod
	}
	if cfg.CPUShares == 0 {
		cfg.CPUShares = DefaultCPUShares
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, err
	}
	if _, err := LoadState(cfg.Dir); err == nil {
		return nil, fmt.Errorf("a testbed is up in %s: run edgectl testbed down first", cfg.Dir)
	} else if nt := (*NoTestbedError)(nil); !errors.As(err, &nt) {
		return nil, err
	}
	if cfg.Runner == nil {
		cfg.Runner = ExecRunner{}
	}
	id := newID()
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	st := &State{ID: id, Created: time.Now().UTC(), Medium: cfg.Medium, Bandwidth: cfg.Bandwidth, CPUPeriod: cfg.CPUPeriod,
		CPUShares: cfg.CPUShares, Classes: cfg.Classes, TokenFile: filepath.Join(dir, "token"), DataRoot: filepath.Join(dir, "data"),
		path: filepath.Join(dir, StateFile)}
	tb = &Testbed{st: st, run: cfg.Runner, log: cfg.Log}
	if tb.log == nil {
		tb.log = io.Discard
	}
	tok := make([]byte, 24)
	rand.Read(tok)
	tb.token = hex.EncodeToString(tok)
	tb.worker = cfg.Worker
	if reason := containerReason(cfg); reason != "" {
		if cfg.Worker == nil {
			return nil, &FallbackError{Reason: reason}
		}
		tb.logf("containers cannot be used here (%s): local worker processes with CPU quotas and rate-limiting relays instead", reason)
		st.Mode = "local"
		if err := os.WriteFile(st.TokenFile, []byte(tb.token+"\n"), 0o600); err != nil {
			return nil, err
		}
		return tb, st.Save()
	}
	st.Mode = "containers"
	pconf := filepath.Join(dir, "containers.conf")
	if err := os.WriteFile(pconf, []byte(containers.PodmanConf()), 0o644); err != nil {
		return nil, err
	}
	e, err := containers.Detect(ctx, containers.Options{Engine: cfg.Engine, PodmanConf: pconf})
	if err != nil {
		os.Remove(pconf)
		return nil, &FallbackError{Reason: err.Error()}
	}
	st.Engine, st.Image = e.Name(), cfg.Image
	tb.engine = e
	if ok, err := e.ImageExists(ctx, cfg.Image); err != nil || !ok {
		os.Remove(pconf)
		return nil, &ImageError{Image: cfg.Image, Engine: e.Name(), Err: err}
	}
	if st.ImageID, err = e.ImageID(ctx, cfg.Image); err != nil {
		os.Remove(pconf)
		return nil, &ImageError{Image: cfg.Image, Engine: e.Name(), Err: err}
	}
	if err := st.Save(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			Down(context.WithoutCancel(ctx), cfg.Dir, cfg.Runner, tb.log)
		}
	}()
	if err := os.WriteFile(st.TokenFile, []byte(tb.token+"\n"), 0o600); err != nil {
		return tb, err
	}
	st.Network = "edgectl-tb-" + id
	st.IFB = "etb" + id
	if err := st.Save(); err != nil {
		return tb, err
	}
	tb.logf("network %s (%s, %s)", st.Network, st.Medium, bitString(st.Bandwidth))
	if err := e.CreateNetwork(ctx, containers.NetworkSpec{Name: st.Network, Labels: map[string]string{LabelKey: id},
		Internal: true, Bridge: "etb" + id + "br"}); err != nil {
		return tb, err
	}
	n, err := e.InspectNetwork(ctx, st.Network)
	if err != nil {
		return tb, err
	}
	st.Bridge = n.Bridge
	if st.HostAddr, err = hostAddr(n); err != nil {
		return tb, err
	}
	st.AddedAddr = n.Gateway == ""
	tb.shape = Shaping{Medium: st.Medium, Rate: st.Bandwidth, Bridge: st.Bridge, IFB: st.IFB}
	setup, err := tb.shape.Setup()
	if err != nil {
		return tb, err
	}
	if st.Medium == Shared {
		if err := st.addIFB(st.IFB); err != nil {
			return tb, err
		}
	}
	if err := st.Save(); err != nil {
		return tb, err
	}
	return tb, apply(ctx, tb.run, setup)
}

func (cfg *Config) check() error {
	switch {
	case cfg.Dir == "":
		return errors.New("testbed: no folder")
	case len(cfg.Classes) == 0:
		return errors.New("testbed: no devices")
	case cfg.Medium != Shared && cfg.Medium != Switched:
		return fmt.Errorf("testbed: medium %q: want shared or switched", cfg.Medium)
	case cfg.Bandwidth < 8000:
		return fmt.Errorf("testbed: bandwidth %d bit/s: want at least 8kbit", cfg.Bandwidth)
	case cfg.CPUPeriod != 0 && (cfg.CPUPeriod < time.Millisecond || cfg.CPUPeriod > time.Second):
		return fmt.Errorf("testbed: cpu period %v: want 1ms to 1s", cfg.CPUPeriod)
	}
	names := map[string]bool{}
	for _, c := range cfg.Classes {
		switch {
		case c.Name == "" || names[c.Name]:
			return fmt.Errorf("testbed: class name %q is empty or given twice", c.Name)
		case c.Count < 1:
			return fmt.Errorf("testbed: class %q: want at least one device", c.Name)
		case !(c.CPUs > 0) || c.CPUs > 64:
			return fmt.Errorf("testbed: class %q: cpu %v: want a positive fraction of a core", c.Name, c.CPUs)
		case cfg.CPUPeriod > 0 && c.CPUs*float64(cfg.CPUPeriod.Microseconds()) < 1000:
			return fmt.Errorf("testbed: class %q: cpu %v over a period of %v is below the kernel's least quota of 1ms: use a longer --cpu-period", c.Name, c.CPUs, cfg.CPUPeriod)
		}
		names[c.Name] = true
	}
	return nil
}

// FallbackError says why the testbed cannot use containers here.
type FallbackError struct{ Reason string }

func (e *FallbackError) Error() string { return "no containers: " + e.Reason }

// ImageError says that the engine lacks the worker image.
type ImageError struct {
	Image, Engine string
	Err           error
}

func (e *ImageError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: image %s: %v", e.Engine, e.Image, e.Err)
	}
	return fmt.Sprintf("%s has no image %s", e.Engine, e.Image)
}

// containerReason says why containers cannot be used, or "".
func containerReason(cfg Config) string {
	switch {
	case cfg.Local:
		return "the local fallback was asked for"
	case os.Geteuid() != 0:
		return "not root (containers with a shaped bridge need root)"
	}
	for _, t := range []string{"ip", "tc"} {
		if _, err := exec.LookPath(t); err != nil {
			return t + " not found (install iproute2)"
		}
	}
	return ""
}

// hostAddr is this host's address on the network: the engine's gateway,
// else the subnet's last address, which the testbed adds to the bridge.
func hostAddr(n containers.Network) (string, error) {
	p, err := netip.ParsePrefix(n.Subnet)
	if err != nil || !p.Addr().Is4() || p.Bits() > 30 {
		return "", fmt.Errorf("network %s: subnet %q: want an IPv4 subnet of at least 4 addresses", n.Name, n.Subnet)
	}
	if n.Gateway != "" {
		return n.Gateway + fmt.Sprintf("/%d", p.Bits()), nil
	}
	a := p.Masked().Addr().As4()
	size := uint32(1) << (32 - p.Bits())
	v := (uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])) + size - 2
	last := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	return fmt.Sprintf("%s/%d", last, p.Bits()), nil
}

// Open returns the testbed that is up in dir, to start devices in.
func Open(ctx context.Context, dir string, r Runner, log io.Writer) (*Testbed, error) {
	st, err := LoadState(dir)
	if err != nil {
		return nil, err
	}
	if r == nil {
		r = ExecRunner{}
	}
	if log == nil {
		log = io.Discard
	}
	tok, err := os.ReadFile(st.TokenFile)
	if err != nil {
		return nil, err
	}
	tb := &Testbed{st: st, run: r, log: log, token: strings.TrimSpace(string(tok)),
		shape: Shaping{Medium: st.Medium, Rate: st.Bandwidth, Bridge: st.Bridge, IFB: st.IFB}}
	if st.Mode == "containers" {
		if tb.engine, err = containers.Detect(ctx, containers.Options{Engine: st.Engine, PodmanConf: filepath.Join(st.Dir(), "containers.conf")}); err != nil {
			return nil, err
		}
	}
	return tb, nil
}

// State is the testbed's state.
func (tb *Testbed) State() *State { return tb.st }

// Token is the workers' shared token.
func (tb *Testbed) Token() string { return tb.token }

// Auth is how the coordinator reaches the workers.
func (tb *Testbed) Auth() coord.Auth { return coord.Auth{Token: tb.token} }

func (tb *Testbed) logf(format string, args ...any) {
	fmt.Fprintf(tb.log, "testbed: "+format+"\n", args...)
}

// SetBandwidth changes the rate of every bucket in place.
func (tb *Testbed) SetBandwidth(ctx context.Context, bits int64) error {
	if bits < 8000 {
		return fmt.Errorf("testbed: bandwidth %d bit/s: want at least 8kbit", bits)
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.st.Bandwidth = bits
	tb.shape.Rate = bits
	if err := tb.st.Save(); err != nil {
		return err
	}
	if tb.st.Mode == "local" {
		for _, b := range tb.buckets {
			b.setRate(bits)
		}
		return nil
	}
	ports := map[int]string{}
	for i, d := range tb.st.Devices {
		if d.Port != "" && linkExists("/sys", d.Port) {
			ports[i] = d.Port
		}
	}
	if tb.st.Medium == Switched && !linkExists("/sys", tb.st.Bridge) {
		return nil // no device runs; the next one gets the new rate
	}
	return apply(ctx, tb.run, tb.shape.RateCmds(ports))
}

func newID() string {
	b := make([]byte, 3)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func bitString(b int64) string {
	switch {
	case b >= 1e9 && b%1e9 == 0:
		return fmt.Sprintf("%dgbit", b/1e9)
	case b >= 1e6 && b%1e6 == 0:
		return fmt.Sprintf("%dmbit", b/1e6)
	case b >= 1e3 && b%1e3 == 0:
		return fmt.Sprintf("%dkbit", b/1e3)
	}
	return fmt.Sprintf("%dbit", b)
}

// ImageExists reports whether the container engine (engine, or the first
// that works) has the image; false without error where none works.
func ImageExists(ctx context.Context, engine, ref string) (bool, error) {
	e, err := containers.Detect(ctx, containers.Options{Engine: engine})
	if err != nil {
		return false, nil
	}
	return e.ImageExists(ctx, ref)
}
