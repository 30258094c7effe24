//go:build podman

package image_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// testLabel marks everything the podman test creates; should a run be
// killed before its cleanup, remove the leftovers with
//
//	podman rm -f $(podman ps -aq --filter label=edgectl.dev/test=image)
const testLabel = "edgectl.dev/test=image"

// podmanCLI runs podman with the project's settings: runc and cgroupfs
// (crun rejects the hybrid cgroup layout of these machines) and, unless
// the caller set one, testdata/containers.conf (no raised ulimits).
type podmanCLI struct {
	t    *testing.T
	path string
	env  []string
}

// requirePodman finds podman: missing, it fails the test under CI=true and
// skips it elsewhere.
func requirePodman(t *testing.T) *podmanCLI {
	t.Helper()
	path, err := exec.LookPath("podman")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("podman not found: make test-image installs it (make image-deps)")
		}
		t.Skip("podman not found: run make image-deps (installs podman and runc from Debian)")
	}
	if os.Getenv("CONTAINERS_CONF") == "" {
		conf, err := filepath.Abs(filepath.Join("testdata", "containers.conf"))
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv("CONTAINERS_CONF", conf)
	}
	return &podmanCLI{t: t, path: path}
}

// run runs podman and returns its stdout; a failure fails the test.
func (p *podmanCLI) run(ctx context.Context, args ...string) string {
	p.t.Helper()
	out, err := p.try(ctx, args...)
	if err != nil {
		p.t.Fatal(err)
	}
	return out
}

func (p *podmanCLI) try(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, p.path, append([]string{"--runtime", "runc", "--cgroup-manager", "cgroupfs"}, args...)...)
	cmd.Env = append(os.Environ(), p.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("podman %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// cleanup removes what podman args created, when the test ends (also on
// failure); it runs with its own deadline, since the test's may be over.
func (p *podmanCLI) cleanup(args ...string) {
	p.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := p.try(ctx, args...); err != nil {
			p.t.Errorf("cleanup: %v", err)
		}
	})
}

// start starts a detached container (removed when the test ends) and
// waits until its worker serves, failing the test with the container's
// log if it exits first.
func (p *podmanCLI) start(ctx context.Context, name string, args ...string) {
	p.t.Helper()
	p.cleanup("rm", "-f", "--ignore", name)
	p.run(ctx, append([]string{"run", "-d", "--name", name, "--label", testLabel}, args...)...)
	for {
		logs, _ := p.try(ctx, "logs", name)
		if strings.Contains(logs, "edgectl worker listening on") {
			return
		}
		state, _ := p.try(ctx, "inspect", "--format", "{{.State.Status}}", name)
		if s := strings.TrimSpace(state); s != "running" && s != "created" {
			all, _ := p.try(ctx, "logs", name)
			p.t.Fatalf("container %s is %s before serving:\n%s", name, s, all)
		}
		select {
		case <-ctx.Done():
			p.t.Fatalf("container %s: no worker banner in its log: %v\n%s", name, ctx.Err(), logs)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// logs returns a container's stdout and stderr.
func (p *podmanCLI) logs(ctx context.Context, name string) string {
	p.t.Helper()
	cmd := exec.CommandContext(ctx, p.path, "logs", name)
	cmd.Env = append(os.Environ(), p.env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		p.t.Fatalf("podman logs %s: %v\n%s", name, err, out)
	}
	return string(out)
}

// freePorts returns n free TCP ports of 127.0.0.1.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// waitServing waits until the gRPC health service at addr answers SERVING
// (it needs no token).
func waitServing(ctx context.Context, t *testing.T, addr string) {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for {
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		if err == nil && resp.Status == healthpb.HealthCheckResponse_SERVING {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("health check of %s: %v (last: %v, %v)", addr, ctx.Err(), resp, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func randomID() string { return strings.ToLower(rand.Text()[:10]) }
