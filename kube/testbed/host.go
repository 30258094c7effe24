package testbed

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Runner runs the testbed's ip and tc commands (tests record them).
type Runner interface {
	Run(ctx context.Context, args []string) error
}

// ExecRunner runs commands on this host.
type ExecRunner struct{}

// Run implements Runner.
func (ExecRunner) Run(ctx context.Context, args []string) error {
	c := exec.CommandContext(ctx, args[0], args[1:]...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

// apply runs cmds in order; an optional command's failure is ignored.
func apply(ctx context.Context, r Runner, cmds []Cmd) error {
	for _, c := range cmds {
		if err := r.Run(ctx, c.Args); err != nil && !c.Optional {
			return err
		}
	}
	return nil
}

// hostPort finds the host end of the veth pair whose other end is eth0
// of process pid's network namespace (a container's first process), by
// the interface index that eth0 links to.
func hostPort(sys string, pid int) (string, error) {
	b, err := os.ReadFile(filepath.Join(fmt.Sprintf("/proc/%d/root", pid), sys, "class/net/eth0/iflink"))
	if err != nil {
		return "", fmt.Errorf("the container's eth0: %w", err)
	}
	return interfaceByIndex(sys, strings.TrimSpace(string(b)))
}

// interfaceByIndex finds the interface of this network namespace with
// ifindex idx, in sysfs at sys.
func interfaceByIndex(sys, idx string) (string, error) {
	if _, err := strconv.Atoi(idx); err != nil {
		return "", fmt.Errorf("interface index %q: %w", idx, err)
	}
	ents, err := os.ReadDir(filepath.Join(sys, "class/net"))
	if err != nil {
		return "", err
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(sys, "class/net", e.Name(), "ifindex"))
		if err == nil && strings.TrimSpace(string(b)) == idx {
			return e.Name(), nil
		}
	}
	return "", fmt.Errorf("no interface with index %s on this host", idx)
}

// linkExists reports whether a network interface exists here.
func linkExists(sys, name string) bool {
	_, err := os.Stat(filepath.Join(sys, "class/net", name))
	return err == nil
}
