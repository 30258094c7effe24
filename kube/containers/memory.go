package containers

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// MemoryUse is a worker's memory as the host sees it.
type MemoryUse struct {
	// PeakRSS is the worker process's peak resident set (VmHWM), and
	// RSS, Anon its resident and anonymous memory now (VmRSS, RssAnon),
	// in bytes.
	PeakRSS, RSS, Anon int64
	// CgroupPeak is the container's cgroup memory peak (cgroup v2
	// memory.peak, v1 memory.max_usage_in_bytes; 0 when unreadable). It
	// counts the page cache of files the container read, the model
	// among them.
	CgroupPeak int64
}

// ReadMemory reads process pid's memory from /proc and its cgroup's
// peak.
func ReadMemory(pid int) (MemoryUse, error) {
	if pid <= 0 {
		return MemoryUse{}, fmt.Errorf("no process (pid %d)", pid)
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return MemoryUse{}, err
	}
	defer f.Close()
	m, err := parseStatus(bufio.NewScanner(f))
	if err != nil {
		return m, fmt.Errorf("/proc/%d/status: %w", pid, err)
	}
	if cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid)); err == nil {
		m.CgroupPeak = cgroupPeak("/sys/fs/cgroup", string(cg))
	}
	return m, nil
}

// ResetPeak sets process pid's VmHWM to its current resident set (Linux
// clear_refs 5), so that the next peak is of what follows.
func ResetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

func parseStatus(s *bufio.Scanner) (MemoryUse, error) {
	var m MemoryUse
	found := false
	for s.Scan() {
		key, val, ok := strings.Cut(s.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch key {
		case "VmHWM":
			dst, found = &m.PeakRSS, true
		case "VmRSS":
			dst = &m.RSS
		case "RssAnon":
			dst = &m.Anon
		default:
			continue
		}
		f := strings.Fields(val)
		if len(f) != 2 || f[1] != "kB" {
			return m, fmt.Errorf("%s: %q: want N kB", key, val)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("%s: %w", key, err)
		}
		*dst = n << 10
	}
	if err := s.Err(); err != nil {
		return m, err
	}
	if !found {
		return m, fmt.Errorf("no VmHWM")
	}
	return m, nil
}

// cgroupPeak reads the memory peak of the cgroup that /proc/PID/cgroup
// content names, under root (cgroup v2 memory.peak, else v1
// memory.max_usage_in_bytes); 0 when there is none.
func cgroupPeak(root, content string) int64 {
	for _, line := range strings.Split(content, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var file string
		switch {
		case parts[1] == "memory" || strings.Contains(","+parts[1]+",", ",memory,"):
			file = filepath.Join(root, "memory", parts[2], "memory.max_usage_in_bytes")
		case parts[0] == "0" && parts[1] == "":
			file = filepath.Join(root, parts[2], "memory.peak")
			if _, err := os.Stat(file); err != nil {
				file = filepath.Join(root, "unified", parts[2], "memory.peak")
			}
		default:
			continue
		}
		if b, err := os.ReadFile(file); err == nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 {
				return n
			}
		}
	}
	return 0
}

// ReadCPU reads the CPU time that the cgroup of process pid has used
// (cgroup v2 cpu.stat usage_usec, v1 cpuacct.usage), else the process's
// own (/proc/PID/stat utime and stime, in clock ticks of 10 ms).
func ReadCPU(pid int) (time.Duration, error) {
	if cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid)); err == nil {
		if d, ok := cgroupCPU("/sys/fs/cgroup", string(cg)); ok {
			return d, nil
		}
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * 10 * time.Millisecond, nil
}

// cgroupCPU reads the CPU time of the cgroup /proc/PID/cgroup content
// names, under root.
func cgroupCPU(root, content string) (time.Duration, bool) {
	for _, line := range strings.Split(content, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case strings.Contains(","+parts[1]+",", ",cpuacct,"):
			if b, err := os.ReadFile(filepath.Join(root, "cpuacct", parts[2], "cpuacct.usage")); err == nil {
				if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
					return time.Duration(n), true
				}
			}
		case parts[0] == "0" && parts[1] == "":
			for _, dir := range []string{filepath.Join(root, parts[2]), filepath.Join(root, "unified", parts[2])} {
				b, err := os.ReadFile(filepath.Join(dir, "cpu.stat"))
				if err != nil {
					continue
				}
				for _, l := range strings.Split(string(b), "\n") {
					if v, ok := strings.CutPrefix(l, "usage_usec "); ok {
						if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
							return time.Duration(n) * time.Microsecond, true
						}
					}
				}
			}
		}
	}
	return 0, false
}
