package cluster

import (
	"strings"
	"testing"
	"time"
)

func ms(f float64) Duration { return Duration(f * float64(time.Millisecond)) }

func TestNetwork_WithMeasured(t *testing.T) {
	old := Network{Medium: Switched, Bandwidth: 100e6, RTT: ms(2), PerMessage: ms(3), Links: []Link{
		{From: "a", To: "d", Bandwidth: 5e6},             // not measured: kept
		{From: "b", To: "a", Bandwidth: 1e6, RTT: ms(9)}, // measured again: replaced
	}}
	m := []Measured{
		{From: "a", To: "b", Bandwidth: 20e6, RTT: ms(1), PerMessage: ms(2)},
		{From: "b", To: "a", Bandwidth: 30e6, RTT: ms(1.2), PerMessage: ms(2.2)}, // with a-b: 24mbit (mean time per bit)
		{From: "b", To: "c", Bandwidth: 22e6, RTT: ms(1.1), PerMessage: ms(2.5)},
		{From: "c", To: "a", Bandwidth: 5e6, RTT: ms(1), PerMessage: ms(2.1)},        // slow: an override
		{From: Coordinator, To: "a", Bandwidth: 23e6, RTT: ms(4), PerMessage: ms(2)}, // slow round trip: an override
		{From: Coordinator, To: "b", Bandwidth: 21e6, RTT: ms(1), PerMessage: ms(2.3)},
		{From: Coordinator, To: "c", Bandwidth: 0, RTT: ms(1), PerMessage: ms(2.3)}, // failed: ignored
	}
	n := old.WithMeasured(m)
	// Globals: medians over the device links a-b (24mbit, 1.1ms, 2.1ms),
	// b-c (22mbit, 1.1ms, 2.5ms), c-a (5mbit, 1ms, 2.1ms).
	if n.Medium != Switched || n.Bandwidth != 22e6 || n.RTT != ms(1.1) || n.PerMessage != ms(2.1) {
		t.Errorf("globals %v %v %v %v", n.Medium, n.Bandwidth, n.RTT, n.PerMessage)
	}
	want := []Link{
		{From: "a", To: "d", Bandwidth: 5e6},
		{From: "c", To: "a", Bandwidth: 5e6, RTT: ms(1), PerMessage: ms(2.1)},
		{From: Coordinator, To: "a", Bandwidth: 23e6, RTT: ms(4), PerMessage: ms(2)},
	}
	if len(n.Links) != len(want) {
		t.Fatalf("links %+v, want %+v", n.Links, want)
	}
	for i := range want {
		if n.Links[i] != want[i] {
			t.Errorf("link %d: %+v, want %+v", i, n.Links[i], want[i])
		}
	}
	// Only the coordinator's links: the globals are theirs (and both
	// round trips are 1.5 ms off their mean).
	n = Network{Bandwidth: 1e6}.WithMeasured(m[4:6])
	if n.Bandwidth != 22e6 || n.RTT != ms(2.5) || n.PerMessage != ms(2.15) || len(n.Links) != 2 {
		t.Errorf("coordinator links only: %+v", n)
	}
	if n := old.WithMeasured(nil); n.Bandwidth != old.Bandwidth || len(n.Links) != 2 {
		t.Errorf("nothing measured changed the network: %+v", n)
	}
}

// SetNetwork writes measured values into the file and keeps its comments.
func TestSetNetwork(t *testing.T) {
	src, err := Example(ExampleOptions{Devices: 3})
	if err != nil {
		t.Fatal(err)
	}
	n := Network{Medium: Shared, Bandwidth: 19.68e6, RTT: ms(0.45), PerMessage: ms(1.23), Links: []Link{
		{From: "dev-0", To: Coordinator, Bandwidth: 1e9, RTT: ms(0.1), PerMessage: ms(0.3)},
	}}
	out, err := SetNetwork("c.yaml", src, n, NotePrefix+" on 2026-01-02")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Decode("c.yaml", out)
	if err != nil {
		t.Fatal(err)
	}
	if bw, rtt, pm := c.LinkBetween("dev-1", "dev-2"); bw != 19.68e6 || rtt != 450*time.Microsecond || pm != 1230*time.Microsecond {
		t.Errorf("global link %v %v %v", bw, rtt, pm)
	}
	if bw, _, _ := c.LinkBetween(Coordinator, "dev-0"); bw != 1e9 {
		t.Errorf("override %v", bw)
	}
	s := string(out)
	for _, w := range []string{"# The addresses are placeholders", "# shared: one channel", "# How edgectl reaches the workers",
		"bandwidth: 19.68mbit # measured by edgectl netprobe on 2026-01-02", "rtt: 450us"} {
		if !strings.Contains(s, w) {
			t.Errorf("lacks %q:\n%s", w, s)
		}
	}
	// Again, with the override gone and a new note: the note is replaced,
	// the link removed.
	n.Links = nil
	out2, err := SetNetwork("c.yaml", out, n, NotePrefix+" on 2026-02-03")
	if err != nil {
		t.Fatal(err)
	}
	if s := string(out2); strings.Contains(s, "2026-01-02") || !strings.Contains(s, "2026-02-03") || strings.Contains(s, "bandwidth: 1gbit") {
		t.Errorf("second write:\n%s", s)
	}
	// A user's own comment on the bandwidth stays.
	mine := strings.Replace(string(src), "bandwidth: 100mbit", "bandwidth: 100mbit # the AP's rate", 1)
	out3, err := SetNetwork("c.yaml", []byte(mine), n, NotePrefix)
	if err != nil || !strings.Contains(string(out3), "bandwidth: 19.68mbit # the AP's rate") {
		t.Errorf("user comment: %v\n%s", err, out3)
	}
	// A link override that stays keeps its comment; a file without
	// network gets one.
	withLink := strings.Replace(string(src), "auth:", "  links:\n    # the slow one\n    - from: dev-1\n      to: dev-2\n      bandwidth: 1mbit\nauth:", 1)
	withLink = strings.Replace(withLink, "\n\n# How edgectl", "\n# How edgectl", 1)
	n.Links = []Link{{From: "dev-2", To: "dev-1", Bandwidth: 2e6}}
	out4, err := SetNetwork("c.yaml", []byte(withLink), n, "")
	if err != nil || !strings.Contains(string(out4), "# the slow one") || !strings.Contains(string(out4), "bandwidth: 2mbit") {
		t.Errorf("kept link: %v\n%s", err, out4)
	}
	if _, err := SetNetwork("x.yaml", []byte("- a\n"), n, ""); err == nil {
		t.Error("edited a sequence")
	}
	bare := "apiVersion: edgectl.dev/v1alpha1\nkind: Cluster\nclasses: [{name: a}]\ndevices: [{name: d, class: a, address: 'h:1'}]\n"
	if out, err := SetNetwork("b.yaml", []byte(bare), n, ""); err == nil {
		t.Errorf("a link to unknown devices was written:\n%s", out)
	}
	n.Links = nil
	if _, err := SetNetwork("b.yaml", []byte(bare), n, ""); err != nil {
		t.Errorf("file without network: %v", err)
	}
}
