//go:build netns && linux

package e2e_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/internal/testenv"
	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// shapedRate is the rate of the tc tbf qdiscs on the link between the two
// workers' namespaces.
const shapedRate = 20e6

// netprobe between two workers in network namespaces whose link is shaped
// to 20 mbit (tc tbf, both directions) measures that link within ±25%: a
// range check on a measurement of the kernel's shaping, not a timing
// assertion on edgectl. The coordinator reaches each worker over an
// unshaped link of its own.
//
// Run by `make test-netns` (build tag netns; needs root, ip and tc).
func TestNetprobe_ShapedLink(t *testing.T) {
	nets := newShapedNets(t)
	opts := localWorkers(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	opts.Command = func(l coord.WorkerLaunch) *exec.Cmd {
		return exec.Command("ip", "netns", "exec", nets.ns[l.Index], exe, "worker",
			"--listen", nets.addr[l.Index]+":0", "--data-dir", l.DataDir, "--threads", "1")
	}
	opts.Workers = 2
	l, err := coord.StartLocal(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })

	cf := clusterFile(t, l)
	t.Setenv("EDGECTL_TOKEN", "")
	code, stdout, stderr := edgectl(t, "netprobe", "--cluster", cf, "--write", "--repeats", "3")
	t.Logf("edgectl netprobe:\n%s%s", stdout, stderr)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	c, err := cluster.Load(cf)
	if err != nil {
		t.Fatal(err)
	}
	bw, rtt, pm := c.LinkBetween("dev-0", "dev-1")
	t.Logf("dev-0 <-> dev-1: shaped to %.0f Mbit/s, measured %.2f Mbit/s (rtt %v, per message %v)", shapedRate/1e6, bw/1e6, rtt, pm)
	if bw < 0.75*shapedRate || bw > 1.25*shapedRate {
		t.Errorf("measured %.2f Mbit/s on a link shaped to %.0f: outside ±25%%", bw/1e6, shapedRate/1e6)
	}
}

// shapedNets are two network namespaces joined by a veth pair shaped with
// tbf on both ends, each also joined to this namespace by an unshaped veth
// pair; addr[i] is namespace i's address on its link to this namespace,
// routed from the other namespace over the shaped link.
type shapedNets struct {
	ns   [2]string
	addr [2]string
}

func newShapedNets(t *testing.T) *shapedNets {
	t.Helper()
	testenv.Tool(t, "ip", "install iproute2")
	testenv.Tool(t, "tc", "install iproute2")
	if os.Geteuid() != 0 {
		testenv.Missing(t, "network namespaces need root: run make test-netns as root")
	}
	id := os.Getpid() % 100000
	net := freeNet(t, id)
	n := &shapedNets{}
	var root [2]string
	for i, side := range []string{"a", "b"} {
		n.ns[i] = fmt.Sprintf("edgectl-np-%d-%s", id, side)
		root[i] = fmt.Sprintf("ecnp%d%s", id, side) // the end in this namespace (at most 15 characters)
		n.addr[i] = fmt.Sprintf("%s.%d.2", net, i+1)
	}
	for i := range 2 {
		ns := n.ns[i]
		sh(t, "ip", "netns", "add", ns)
		t.Cleanup(func() { run(t, "ip", "netns", "del", ns) }) // removes the veth ends inside, and their peers
		sh(t, "ip", "link", "add", root[i], "type", "veth", "peer", "name", "up0", "netns", ns)
		t.Cleanup(func() { run(t, "ip", "link", "del", root[i]) }) // gone already when the namespace went: harmless
		sh(t, "ip", "addr", "add", fmt.Sprintf("%s.%d.1/24", net, i+1), "dev", root[i])
		sh(t, "ip", "link", "set", root[i], "up")
		in(t, ns, "ip", "link", "set", "lo", "up")
		in(t, ns, "ip", "addr", "add", n.addr[i]+"/24", "dev", "up0")
		in(t, ns, "ip", "link", "set", "up0", "up")
	}
	sh(t, "ip", "-n", n.ns[0], "link", "add", "peer0", "type", "veth", "peer", "name", "peer0", "netns", n.ns[1])
	for i := range 2 {
		in(t, n.ns[i], "ip", "addr", "add", fmt.Sprintf("%s.3.%d/24", net, i+1), "dev", "peer0")
		in(t, n.ns[i], "ip", "link", "set", "peer0", "up")
		in(t, n.ns[i], "tc", "qdisc", "add", "dev", "peer0", "root", "tbf",
			"rate", fmt.Sprintf("%.0fbit", shapedRate), "burst", "64kb", "latency", "100ms")
		// The other namespace's address (on its link to this namespace)
		// is reached over the shaped link.
		in(t, n.ns[i], "ip", "route", "add", n.addr[1-i]+"/32", "via", fmt.Sprintf("%s.3.%d", net, 2-i))
	}
	return n
}

// freeNet picks 10.X (X from id) that no address or route of this
// namespace uses.
func freeNet(t *testing.T, id int) string {
	t.Helper()
	used := run(t, "ip", "-4", "-o", "addr") + run(t, "ip", "-4", "route", "show", "table", "all")
	for k := range 150 {
		net := fmt.Sprintf("10.%d", 100+(id+k)%150)
		if !strings.Contains(used, " "+net+".") {
			return net
		}
	}
	t.Fatal("no free 10.X.0.0/16 network for the test")
	return ""
}

// sh runs a command and fails the test if it fails.
func sh(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// in runs a command in network namespace ns.
func in(t *testing.T, ns, name string, args ...string) {
	t.Helper()
	sh(t, "ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// run runs a command and returns its output, ignoring failure (clean-up).
func run(t *testing.T, name string, args ...string) string {
	out, _ := exec.Command(name, args...).CombinedOutput()
	return string(out)
}
