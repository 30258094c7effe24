package containers

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"
)

// command runs one engine's command line: path with global arguments
// first, and extra environment (CONTAINERS_CONF, values of -e NAME).
type command struct {
	path   string
	global []string
	env    []string
}

// commandError is a failed engine command, with what it printed.
type commandError struct {
	args   []string
	err    error
	stderr string
}

func (e *commandError) Error() string {
	return fmt.Sprintf("%s: %v: %s", strings.Join(e.args, " "), e.err, strings.TrimSpace(e.stderr))
}

// noSuch reports whether the engine said that the object does not exist.
func (e *commandError) noSuch() bool {
	s := strings.ToLower(e.stderr)
	return strings.Contains(s, "no such") || strings.Contains(s, "not found") || strings.Contains(s, "does not exist")
}

func (c *command) run(ctx context.Context, args ...string) (string, error) {
	return c.runEnv(ctx, nil, args...)
}

func (c *command) runEnv(ctx context.Context, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, c.path, append(append([]string(nil), c.global...), args...)...)
	cmd.Env = append(append(os.Environ(), c.env...), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		name := c.path
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
		return stdout.String(), &commandError{args: append([]string{name}, args...), err: err, stderr: stderr.String()}
	}
	return stdout.String(), nil
}

// runArgs are the arguments of `run` common to podman and docker.
func runArgs(s RunSpec) []string {
	a := []string{"run", "-d", "--name", s.Name}
	keys := make([]string, 0, len(s.Labels))
	for k := range s.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a = append(a, "--label", k+"="+s.Labels[k])
	}
	if s.Network != "" {
		a = append(a, "--network", s.Network)
	}
	if s.CPUs > 0 {
		if s.CPUPeriod > 0 {
			period := s.CPUPeriod.Microseconds()
			a = append(a, "--cpu-period", strconv.FormatInt(period, 10),
				"--cpu-quota", strconv.FormatInt(QuotaMicros(s.CPUs, s.CPUPeriod), 10))
		} else {
			a = append(a, "--cpus", strconv.FormatFloat(s.CPUs, 'f', -1, 64))
		}
	}
	if s.CPUShares > 0 {
		a = append(a, "--cpu-shares", strconv.Itoa(s.CPUShares))
	}
	if s.Memory > 0 {
		m := strconv.FormatInt(s.Memory, 10)
		a = append(a, "--memory", m, "--memory-swap", m)
	}
	for _, e := range s.Env {
		a = append(a, "-e", e)
	}
	for _, m := range s.Mounts {
		v := m.Host + ":" + m.Container
		if m.ReadOnly {
			v += ":ro"
		}
		a = append(a, "-v", v)
	}
	a = append(a, s.Image)
	return append(a, s.Args...)
}

// QuotaMicros is the CFS quota, in microseconds per period, of cpus
// cores: at least 1000, the kernel's smallest quota.
func QuotaMicros(cpus float64, period time.Duration) int64 {
	return max(1000, int64(cpus*float64(period.Microseconds())+0.5))
}

// inspected is the part of `inspect` JSON that podman and docker share.
type inspected struct {
	ID    string `json:"Id"`
	Name  string
	State struct {
		Running bool
		Pid     int
	}
	NetworkSettings struct {
		Networks map[string]struct{ IPAddress string }
	}
}

func (i inspected) container() Container {
	c := Container{Name: strings.TrimPrefix(i.Name, "/"), ID: i.ID, Running: i.State.Running, PID: i.State.Pid, IPs: map[string]string{}}
	for n, s := range i.NetworkSettings.Networks {
		if s.IPAddress != "" {
			c.IPs[n] = s.IPAddress
		}
	}
	return c
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
