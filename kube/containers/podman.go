package containers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Podman drives podman (rootful). Every call passes --cgroup-manager
// cgroupfs and --events-backend file (no systemd needed), and --runtime
// runc where runc is installed: crun refuses the hybrid cgroup layout of
// some hosts.
type Podman struct{ c command }

// NewPodman returns podman at path. conf, when it names a file and
// $CONTAINERS_CONF is not set, is given to podman as CONTAINERS_CONF.
func NewPodman(path, conf string) *Podman {
	p := &Podman{c: command{path: path, global: []string{"--cgroup-manager", "cgroupfs", "--events-backend", "file"}}}
	if _, err := exec.LookPath("runc"); err == nil {
		p.c.global = append([]string{"--runtime", "runc"}, p.c.global...)
	}
	if _, err := os.Stat(conf); err == nil && os.Getenv("CONTAINERS_CONF") == "" {
		p.c.env = append(p.c.env, "CONTAINERS_CONF="+conf)
	}
	return p
}

// PodmanConf is a containers.conf for the testbed's podman: no raised
// ulimits (sandboxes refuse raising RLIMIT_NOFILE and RLIMIT_NPROC),
// cgroupfs, events to a file; runc where it is installed.
func PodmanConf() string {
	s := "# Written by edgectl testbed; used as CONTAINERS_CONF for its podman calls.\n" +
		"[containers]\ndefault_ulimits = []\n\n[engine]\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n"
	if _, err := exec.LookPath("runc"); err == nil {
		s += "runtime = \"runc\"\n"
	}
	return s
}

func (p *Podman) cli() *command { return &p.c }

// Name implements Engine.
func (p *Podman) Name() string { return "podman" }

// RunArgs are the arguments of `podman run` for s (after the global ones).
func (p *Podman) RunArgs(s RunSpec) []string { return runArgs(s) }

// Run implements Engine.
func (p *Podman) Run(ctx context.Context, s RunSpec) (string, error) {
	out, err := p.c.runEnv(ctx, s.EnvValues, p.RunArgs(s)...)
	return strings.TrimSpace(out), err
}

// Inspect implements Engine.
func (p *Podman) Inspect(ctx context.Context, name string) (Container, error) {
	return inspectContainer(ctx, &p.c, name)
}

func inspectContainer(ctx context.Context, c *command, name string) (Container, error) {
	out, err := c.run(ctx, "container", "inspect", name)
	if err != nil {
		if ce := (*commandError)(nil); errors.As(err, &ce) && ce.noSuch() {
			return Container{}, &NotFoundError{"container", name}
		}
		return Container{}, err
	}
	var got []inspected
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 1 {
		return Container{}, fmt.Errorf("inspect container %s: unexpected output (%v): %.200s", name, err, out)
	}
	return got[0].container(), nil
}

// Logs implements Engine.
func (p *Podman) Logs(ctx context.Context, name string) (string, error) {
	return logs(ctx, &p.c, name)
}

func logs(ctx context.Context, c *command, name string) (string, error) {
	cmd := exec.CommandContext(ctx, c.path, append(append([]string(nil), c.global...), "logs", name)...)
	cmd.Env = append(os.Environ(), c.env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Kill implements Engine.
func (p *Podman) Kill(ctx context.Context, name string) error {
	_, err := p.c.run(ctx, "kill", name)
	return err
}

// Remove implements Engine.
func (p *Podman) Remove(ctx context.Context, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	_, err := p.c.run(ctx, append([]string{"rm", "-f", "--ignore", "-t", "0"}, names...)...)
	return err
}

// NetworkArgs are the arguments of `podman network create` for s.
func (p *Podman) NetworkArgs(s NetworkSpec) []string {
	a := []string{"network", "create", "--driver", "bridge", "--disable-dns"}
	for _, k := range sortedKeys(s.Labels) {
		a = append(a, "--label", k+"="+s.Labels[k])
	}
	if s.Internal {
		a = append(a, "--internal")
	}
	return append(a, s.Name)
}

// CreateNetwork implements Engine.
func (p *Podman) CreateNetwork(ctx context.Context, s NetworkSpec) error {
	_, err := p.c.run(ctx, p.NetworkArgs(s)...)
	return err
}

// InspectNetwork implements Engine.
func (p *Podman) InspectNetwork(ctx context.Context, name string) (Network, error) {
	out, err := p.c.run(ctx, "network", "inspect", name)
	if err != nil {
		if ce := (*commandError)(nil); errors.As(err, &ce) && ce.noSuch() {
			return Network{}, &NotFoundError{"network", name}
		}
		return Network{}, err
	}
	return parsePodmanNetwork(name, out)
}

func parsePodmanNetwork(name, out string) (Network, error) {
	var got []struct {
		Name             string `json:"name"`
		NetworkInterface string `json:"network_interface"`
		Subnets          []struct {
			Subnet  string `json:"subnet"`
			Gateway string `json:"gateway"`
		} `json:"subnets"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 1 || len(got[0].Subnets) == 0 {
		return Network{}, fmt.Errorf("inspect network %s: unexpected output (%v): %.200s", name, err, out)
	}
	n := got[0]
	return Network{Name: n.Name, Bridge: n.NetworkInterface, Subnet: n.Subnets[0].Subnet, Gateway: n.Subnets[0].Gateway}, nil
}

// RemoveNetwork implements Engine.
func (p *Podman) RemoveNetwork(ctx context.Context, name string) error {
	_, err := p.c.run(ctx, "network", "rm", name)
	if ce := (*commandError)(nil); errors.As(err, &ce) && ce.noSuch() {
		return nil
	}
	return err
}

// Containers implements Engine.
func (p *Podman) Containers(ctx context.Context, label string) ([]string, error) {
	out, err := p.c.run(ctx, "ps", "-a", "--filter", "label="+label, "--format", "{{.Names}}")
	return lines(out), err
}

// Networks implements Engine.
func (p *Podman) Networks(ctx context.Context, label string) ([]string, error) {
	out, err := p.c.run(ctx, "network", "ls", "--filter", "label="+label, "--format", "{{.Name}}")
	return lines(out), err
}

// ImageID implements Engine.
func (p *Podman) ImageID(ctx context.Context, ref string) (string, error) {
	out, err := p.c.run(ctx, "image", "inspect", "--format", "{{.Id}}", ref)
	return strings.TrimSpace(out), err
}

// ImageExists implements Engine.
func (p *Podman) ImageExists(ctx context.Context, ref string) (bool, error) {
	_, err := p.c.run(ctx, "image", "exists", ref)
	var ce *commandError
	if errors.As(err, &ce) {
		var ee *exec.ExitError
		if errors.As(ce.err, &ee) && ee.ExitCode() == 1 {
			return false, nil
		}
	}
	return err == nil, err
}
