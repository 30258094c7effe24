package bench

import (
	"os"
	"strconv"
	"strings"
)

// cpuTicks is a reading of the machine's and this process's CPU time, in
// clock ticks, from Linux's /proc; ok is false elsewhere.
type cpuTicks struct {
	total, idle, self uint64
	ok                bool
}

func readCPUTicks() cpuTicks {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTicks{}
	}
	line, _, _ := strings.Cut(string(stat), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return cpuTicks{}
	}
	var c cpuTicks
	for i, s := range f[1:] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return cpuTicks{}
		}
		if i >= 8 { // guest time is already counted in user time
			break
		}
		c.total += v
		if i == 3 || i == 4 { // idle, iowait
			c.idle += v
		}
	}
	self, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return cpuTicks{}
	}
	// Fields after the command name (which may hold spaces) start at state.
	s := string(self)
	rest := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(rest) < 13 {
		return cpuTicks{}
	}
	utime, err1 := strconv.ParseUint(rest[11], 10, 64)
	stime, err2 := strconv.ParseUint(rest[12], 10, 64)
	if err1 != nil || err2 != nil {
		return cpuTicks{}
	}
	c.self, c.ok = utime+stime, true
	return c
}

// othersShare is the fraction of all CPUs' time between a and b that other
// processes kept busy, or -1 when unknown.
func othersShare(a, b cpuTicks) float64 {
	if !a.ok || !b.ok || b.total <= a.total {
		return -1
	}
	busy := float64((b.total - b.idle) - (a.total - a.idle))
	others := busy - float64(b.self-a.self)
	return max(others, 0) / float64(b.total-a.total)
}
