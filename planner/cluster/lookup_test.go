package cluster

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestCluster_LinkBetween(t *testing.T) {
	c, err := Decode("c.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	ms := time.Millisecond
	for _, tc := range []struct {
		a, b    string
		bw      float64
		rtt, pm time.Duration
	}{
		{"pi-a", "jet", 100e6, 2 * ms, 3 * ms},       // global
		{"jet", Coordinator, 1e9, 2 * ms, 3 * ms},    // override of the bandwidth only
		{Coordinator, "jet", 1e9, 2 * ms, 3 * ms},    // either direction
		{"pi-a", "pi-b", 100e6, 10 * ms, 3 * ms},     // override of the RTT only, given b-a
		{"pi-a", Coordinator, 100e6, 2 * ms, 3 * ms}, // the coordinator without override
		{"pi-a", "pi-a", math.Inf(1), 0, 0},          // no network to itself
		{"unknown", "pi-a", 100e6, 2 * ms, 3 * ms},   // global for names it does not know
	} {
		bw, rtt, pm := c.LinkBetween(tc.a, tc.b)
		if bw != tc.bw || rtt != tc.rtt || pm != tc.pm {
			t.Errorf("LinkBetween(%s, %s) = %v, %v, %v; want %v, %v, %v", tc.a, tc.b, bw, rtt, pm, tc.bw, tc.rtt, tc.pm)
		}
	}
}

func TestCluster_Lookups(t *testing.T) {
	c, err := Decode("c.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if cl, ok := c.Class("pi4"); !ok || cl.Threads != 4 || cl.SpeedOf() != 0.4 || cl.ThreadsOf() != 4 {
		t.Errorf("Class(pi4) = %+v, %v", cl, ok)
	}
	if cl, ok := c.ClassOf("jet"); !ok || cl.Name != "jetson" || cl.SpeedOf() != 1 || cl.ThreadsOf() != 1 {
		t.Errorf("ClassOf(jet) = %+v, %v", cl, ok)
	}
	if _, ok := c.Class("none"); ok {
		t.Error("found class none")
	}
	c.File = "c.yaml"
	m, err := c.Addresses([]string{"pi-a", "pi-b"})
	if err != nil || m["pi-a"] != "10.0.0.11:7070" || m["pi-b"] != "[fe80::1]:7070" {
		t.Errorf("Addresses = %v, %v", m, err)
	}
	_, err = c.Addresses([]string{"pi-a", "jet", "worker-7"})
	for _, w := range []string{"c.yaml: ", `device "jet" has no address`, `device "worker-7" is not in the cluster (devices: pi-a, pi-b, jet)`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Addresses error %v lacks %q", err, w)
		}
	}
}
