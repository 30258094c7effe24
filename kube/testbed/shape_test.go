package testbed

import (
	"strings"
	"testing"
)

// flat writes commands one a line, optional ones marked with "?".
func flat(cmds []Cmd) string {
	var b strings.Builder
	for _, c := range cmds {
		if c.Optional {
			b.WriteString("? ")
		}
		b.WriteString(strings.Join(c.Args, " "))
		b.WriteByte('\n')
	}
	return b.String()
}

func TestShaping_Shared(t *testing.T) {
	s := Shaping{Medium: Shared, Rate: 100e6, Bridge: "podman1", IFB: "etbabc123"}
	setup, err := s.Setup()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  []Cmd
		want string
	}{
		{"setup: one ifb with one bucket", setup, `? ip link del etbabc123
ip link add etbabc123 type ifb
ip link set etbabc123 up
? tc qdisc del dev etbabc123 root
tc qdisc add dev etbabc123 root handle 1: htb default 1
tc class add dev etbabc123 parent 1: classid 1:1 htb rate 100000000bit ceil 100000000bit quantum 60000
tc qdisc add dev etbabc123 parent 1:1 handle 10: pfifo limit 1000
`},
		{"a device's port: what it sends goes through the ifb", s.PortCmds(3, "veth3"), `? tc qdisc del dev veth3 ingress
tc qdisc add dev veth3 handle ffff: ingress
tc filter add dev veth3 parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev etbabc123
`},
		{"the bridge: what this host sends goes through the ifb", s.BridgeCmds(), `? tc qdisc del dev podman1 root
tc qdisc add dev podman1 root handle 1: htb default 1
tc filter add dev podman1 parent 1: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev etbabc123
`},
		{"a new rate changes the one bucket", Shaping{Medium: Shared, Rate: 10e6, Bridge: "podman1", IFB: "etbabc123"}.RateCmds(map[int]string{0: "veth0"}),
			"tc class change dev etbabc123 parent 1: classid 1:1 htb rate 10000000bit ceil 10000000bit quantum 60000\n"},
		{"teardown removes the ifb", s.Teardown(8), "? ip link del etbabc123\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := flat(c.got); got != c.want {
				t.Errorf("got:\n%swant:\n%s", got, c.want)
			}
		})
	}
	if s.IFBFor(5) != "etbabc123" {
		t.Errorf("shared: device 5's ifb is %q", s.IFBFor(5))
	}
}

func TestShaping_Switched(t *testing.T) {
	s := Shaping{Medium: Switched, Rate: 1e9, Bridge: "podman1", IFB: "etbabc123", QueuePackets: 500}
	setup, err := s.Setup()
	if err != nil || len(setup) != 0 {
		t.Fatalf("switched setup: %v, %v (want nothing before the devices)", setup, err)
	}
	port := flat(s.PortCmds(2, "veth7"))
	want := `? ip link del etbabc1232
ip link add etbabc1232 type ifb
ip link set etbabc1232 up
? tc qdisc del dev etbabc1232 root
tc qdisc add dev etbabc1232 root handle 1: htb default 1
tc class add dev etbabc1232 parent 1: classid 1:1 htb rate 1000000000bit ceil 1000000000bit quantum 60000
tc qdisc add dev etbabc1232 parent 1:1 handle 10: pfifo limit 500
? tc qdisc del dev veth7 ingress
tc qdisc add dev veth7 handle ffff: ingress
tc filter add dev veth7 parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev etbabc1232
? tc qdisc del dev veth7 root
tc qdisc add dev veth7 root handle 1: htb default 1
tc class add dev veth7 parent 1: classid 1:1 htb rate 1000000000bit ceil 1000000000bit quantum 60000
tc qdisc add dev veth7 parent 1:1 handle 10: pfifo limit 500
`
	if port != want {
		t.Errorf("device 2's port (its own ifb for what it sends, a bucket on what it receives):\n%swant:\n%s", port, want)
	}
	if got := flat(s.BridgeCmds()); !strings.Contains(got, "tc class add dev podman1 parent 1: classid 1:1 htb rate 1000000000bit") {
		t.Errorf("the bridge has no bucket of its own:\n%s", got)
	}
	rate := flat(s.RateCmds(map[int]string{1: "veth4", 0: "veth2"}))
	wantRate := `tc class change dev podman1 parent 1: classid 1:1 htb rate 1000000000bit ceil 1000000000bit quantum 60000
tc class change dev etbabc1230 parent 1: classid 1:1 htb rate 1000000000bit ceil 1000000000bit quantum 60000
tc class change dev veth2 parent 1: classid 1:1 htb rate 1000000000bit ceil 1000000000bit quantum 60000
tc class change dev etbabc1231 parent 1: classid 1:1 htb rate 1000000000bit ceil 1000000000bit quantum 60000
tc class change dev veth4 parent 1: classid 1:1 htb rate 1000000000bit ceil 1000000000bit quantum 60000
`
	if rate != wantRate {
		t.Errorf("rate change:\n%swant:\n%s", rate, wantRate)
	}
	if got := flat(s.Teardown(3)); got != "? ip link del etbabc1230\n? ip link del etbabc1231\n? ip link del etbabc1232\n" {
		t.Errorf("teardown:\n%s", got)
	}
}

func TestShaping_Check(t *testing.T) {
	for _, s := range []Shaping{
		{Medium: "mesh", Rate: 1e6, IFB: "etbx"},
		{Medium: Shared, Rate: 100, IFB: "etbx"},
		{Medium: Shared, Rate: 1e6, IFB: ""},
		{Medium: Shared, Rate: 1e6, IFB: "etbabcdefghijkl"},
	} {
		if _, err := s.Setup(); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
}
