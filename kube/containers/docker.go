package containers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Docker drives the docker command line (a running daemon).
type Docker struct{ c command }

// NewDocker returns docker at path.
func NewDocker(path string) *Docker { return &Docker{c: command{path: path}} }

func (d *Docker) cli() *command { return &d.c }

// Name implements Engine.
func (d *Docker) Name() string { return "docker" }

// RunArgs are the arguments of `docker run` for s.
func (d *Docker) RunArgs(s RunSpec) []string { return runArgs(s) }

// Run implements Engine.
func (d *Docker) Run(ctx context.Context, s RunSpec) (string, error) {
	out, err := d.c.runEnv(ctx, s.EnvValues, d.RunArgs(s)...)
	return strings.TrimSpace(out), err
}

// Inspect implements Engine.
func (d *Docker) Inspect(ctx context.Context, name string) (Container, error) {
	return inspectContainer(ctx, &d.c, name)
}

// Logs implements Engine.
func (d *Docker) Logs(ctx context.Context, name string) (string, error) { return logs(ctx, &d.c, name) }

// Kill implements Engine.
func (d *Docker) Kill(ctx context.Context, name string) error {
	_, err := d.c.run(ctx, "kill", name)
	return err
}

// Remove implements Engine: one at a time, since docker has no --ignore.
func (d *Docker) Remove(ctx context.Context, names ...string) error {
	var errs []error
	for _, n := range names {
		_, err := d.c.run(ctx, "rm", "-f", n)
		if ce := (*commandError)(nil); errors.As(err, &ce) && ce.noSuch() {
			err = nil
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// NetworkArgs are the arguments of `docker network create` for s.
func (d *Docker) NetworkArgs(s NetworkSpec) []string {
	a := []string{"network", "create", "--driver", "bridge"}
	for _, k := range sortedKeys(s.Labels) {
		a = append(a, "--label", k+"="+s.Labels[k])
	}
	if s.Internal {
		a = append(a, "--internal")
	}
	if s.Bridge != "" {
		a = append(a, "-o", "com.docker.network.bridge.name="+s.Bridge)
	}
	return append(a, s.Name)
}

// CreateNetwork implements Engine.
func (d *Docker) CreateNetwork(ctx context.Context, s NetworkSpec) error {
	_, err := d.c.run(ctx, d.NetworkArgs(s)...)
	return err
}

// InspectNetwork implements Engine.
func (d *Docker) InspectNetwork(ctx context.Context, name string) (Network, error) {
	out, err := d.c.run(ctx, "network", "inspect", name)
	if err != nil {
		if ce := (*commandError)(nil); errors.As(err, &ce) && ce.noSuch() {
			return Network{}, &NotFoundError{"network", name}
		}
		return Network{}, err
	}
	return parseDockerNetwork(name, out)
}

func parseDockerNetwork(name, out string) (Network, error) {
	var got []struct {
		Name    string
		ID      string `json:"Id"`
		Options map[string]string
		IPAM    struct {
			Config []struct{ Subnet, Gateway string }
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 1 || len(got[0].IPAM.Config) == 0 {
		return Network{}, fmt.Errorf("inspect network %s: unexpected output (%v): %.200s", name, err, out)
	}
	n := got[0]
	br := n.Options["com.docker.network.bridge.name"]
	if br == "" && len(n.ID) >= 12 {
		br = "br-" + n.ID[:12]
	}
	return Network{Name: n.Name, Bridge: br, Subnet: n.IPAM.Config[0].Subnet, Gateway: n.IPAM.Config[0].Gateway}, nil
}

// RemoveNetwork implements Engine.
func (d *Docker) RemoveNetwork(ctx context.Context, name string) error {
	_, err := d.c.run(ctx, "network", "rm", name)
	if ce := (*commandError)(nil); errors.As(err, &ce) && ce.noSuch() {
		return nil
	}
	return err
}

// Containers implements Engine.
func (d *Docker) Containers(ctx context.Context, label string) ([]string, error) {
	out, err := d.c.run(ctx, "ps", "-a", "--filter", "label="+label, "--format", "{{.Names}}")
	return lines(out), err
}

// Networks implements Engine.
func (d *Docker) Networks(ctx context.Context, label string) ([]string, error) {
	out, err := d.c.run(ctx, "network", "ls", "--filter", "label="+label, "--format", "{{.Name}}")
	return lines(out), err
}

// ImageID implements Engine.
func (d *Docker) ImageID(ctx context.Context, ref string) (string, error) {
	out, err := d.c.run(ctx, "image", "inspect", "--format", "{{.Id}}", ref)
	return strings.TrimSpace(out), err
}

// ImageExists implements Engine.
func (d *Docker) ImageExists(ctx context.Context, ref string) (bool, error) {
	_, err := d.c.run(ctx, "image", "inspect", ref)
	if ce := (*commandError)(nil); errors.As(err, &ce) && ce.noSuch() {
		return false, nil
	}
	return err == nil, err
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
