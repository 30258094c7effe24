package bench

import "testing"

func TestOthersShare(t *testing.T) {
	a := cpuTicks{total: 1000, idle: 500, self: 100, ok: true}
	for _, tc := range []struct {
		name string
		b    cpuTicks
		want float64
	}{
		{"only us busy", cpuTicks{total: 1200, idle: 600, self: 200, ok: true}, 0},
		{"others took a quarter", cpuTicks{total: 1200, idle: 550, self: 200, ok: true}, 0.25},
		{"unknown", cpuTicks{}, -1},
		{"no time", a, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := othersShare(a, tc.b); got != tc.want {
				t.Fatalf("othersShare = %v, want %v", got, tc.want)
			}
		})
	}
	if c := readCPUTicks(); c.ok && (c.total == 0 || c.self > c.total) {
		t.Fatalf("implausible /proc reading %+v", c)
	}
}
