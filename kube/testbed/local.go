package testbed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/edgectl/edgectl/kube/containers"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// The fallback, where containers or tc cannot be had (no root, no
// engine): every device is a local worker process on 127.0.0.1,
//
//   - its CPU quota a cgroup of its own where this process may make one
//     (cgroup v2 cpu.max, or v1 cpu.cfs_quota_us: the kernel's own
//     throttling, as in a container), else a governor here that stops the
//     process (SIGSTOP) once it has used its quota of CPU time in a period
//     (read from its process CPU clock every tenth of a period) and lets
//     it go on (SIGCONT) at the next period: coarser, overshooting by up
//     to a tenth of a period each time;
//   - its network a relay here (a TCP proxy in front of the worker: every
//     address the coordinator and the other workers use is the relay's),
//     whose copy loops take their bytes from token buckets: one for all
//     relays (shared medium), or one per device for what it receives
//     (switched; what a device sends is not limited, since a relay does
//     not know the sender). The workers are not changed.
//
// Workers, relays and the governor belong to the process that started
// them: the bench itself, or for `edgectl testbed up` a supervisor
// (`edgectl testbed serve`, Config.Supervisor) that runs until `down`
// stops it; the workers die with it (they are started with a parent-death
// signal).

// localFleet is the fallback's devices, run by this process.
type localFleet struct {
	tb      *Testbed
	n       int
	local   *coord.Local
	cluster *coord.Cluster
	relays  []*relay
	stop    chan struct{}
	wg      sync.WaitGroup
	cgroups []string
	once    sync.Once
}

// startLocal starts the fallback's first n devices.
func (tb *Testbed) startLocal(ctx context.Context, n int) (f Fleet, err error) {
	if tb.worker == nil {
		return nil, errors.New("testbed: no command to start local workers with")
	}
	tb.logf("starting %d local worker processes", n)
	l, err := coord.StartLocal(ctx, coord.LocalOptions{Workers: n, Command: tb.worker, Threads: 1, Stderr: nil})
	if err != nil {
		return nil, err
	}
	lf := &localFleet{tb: tb, n: n, local: l, stop: make(chan struct{})}
	defer func() {
		if err != nil {
			lf.Close()
		}
	}()
	var addrs []string
	for i := range n {
		c, _ := ClassOf(tb.st.Classes, i)
		p := l.Process(i)
		if err := lf.quota(i, p.Pid, c.CPUs); err != nil {
			return lf, err
		}
		r, err := newRelay(l.Workers[i].Addr, tb.bucketFor(i))
		if err != nil {
			return lf, err
		}
		lf.relays = append(lf.relays, r)
		addrs = append(addrs, r.addr())
		if err := tb.recordDevice(i, r.addr(), p.Pid); err != nil {
			return lf, err
		}
	}
	if lf.cluster, err = coord.Dial(addrs, coord.Auth{Token: l.Token}); err != nil {
		return lf, err
	}
	tb.token = l.Token
	if err := os.WriteFile(tb.st.TokenFile, []byte(l.Token+"\n"), 0o600); err != nil {
		return lf, err
	}
	for i, w := range lf.cluster.Workers {
		w.DataDir = l.Workers[i].DataDir
	}
	return lf, lf.cluster.WaitReady(ctx)
}

// recordDevice notes device i's address and process in the state.
func (tb *Testbed) recordDevice(i int, addr string, pid int) error {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for len(tb.st.Devices) <= i {
		j := len(tb.st.Devices)
		cl, _ := ClassOf(tb.st.Classes, j)
		tb.st.Devices = append(tb.st.Devices, Device{Name: DeviceName(j), Class: cl.Name})
	}
	tb.st.Devices[i].Addr, tb.st.Devices[i].PID = addr, pid
	if start, err := startTime(pid); err == nil {
		tb.st.Processes = append(tb.st.Processes, Process{Name: DeviceName(i), PID: pid, Start: start})
	}
	return tb.st.Save()
}

// quota limits process pid to cpus cores: a cgroup where one can be
// made, else the governor.
func (lf *localFleet) quota(i, pid int, cpus float64) error {
	tb := lf.tb
	name := fmt.Sprintf("edgectl-tb-%s-%s", tb.st.ID, DeviceName(i))
	dir, err := makeCgroup(name, cpus, tb.st.CPUPeriod)
	if err == nil {
		tb.mu.Lock()
		tb.st.Cgroups = append(tb.st.Cgroups, dir)
		err = tb.st.Save()
		tb.mu.Unlock()
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0)
		}
		if err == nil {
			lf.cgroups = append(lf.cgroups, dir)
			return nil
		}
	}
	tb.logf("%s: no cgroup (%v): the governor stops and continues it", DeviceName(i), err)
	lf.wg.Go(func() { govern(lf.stop, pid, cpus, tb.st.CPUPeriod) })
	return nil
}

// makeCgroup makes a cgroup with a CPU quota: v2 (cpu.max) or v1
// (cpu.cfs_quota_us).
func makeCgroup(name string, cpus float64, period time.Duration) (string, error) {
	quota := containers.QuotaMicros(cpus, period)
	us := period.Microseconds()
	if b, err := os.ReadFile("/sys/fs/cgroup/cgroup.subtree_control"); err == nil && strings.Contains(string(b), "cpu") {
		dir := filepath.Join("/sys/fs/cgroup", name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return "", err
		}
		return dir, os.WriteFile(filepath.Join(dir, "cpu.max"), fmt.Appendf(nil, "%d %d", quota, us), 0)
	}
	base := "/sys/fs/cgroup/cpu"
	if _, err := os.Stat(filepath.Join(base, "cpu.cfs_quota_us")); err != nil {
		return "", errors.New("no cgroup cpu controller to write to")
	}
	dir := filepath.Join(base, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "cpu.cfs_period_us"), []byte(strconv.FormatInt(us, 10)), 0); err != nil {
		return dir, err
	}
	return dir, os.WriteFile(filepath.Join(dir, "cpu.cfs_quota_us"), []byte(strconv.FormatInt(quota, 10)), 0)
}

// govern lets process pid use cpus of a core per period: it stops the
// process once its CPU time in the period reaches the quota and continues
// it at the next period.
func govern(stop <-chan struct{}, pid int, cpus float64, period time.Duration) {
	quota := time.Duration(cpus * float64(period))
	defer syscall.Kill(pid, syscall.SIGCONT)
	for next := time.Now(); ; {
		syscall.Kill(pid, syscall.SIGCONT)
		start, ok := processCPU(pid)
		if !ok {
			return
		}
		next = next.Add(period)
		for {
			used, ok := processCPU(pid)
			if !ok {
				return
			}
			left := quota - (used - start)
			if left <= 0 {
				syscall.Kill(pid, syscall.SIGSTOP)
				break
			}
			wait := min(max(left, period/10), time.Until(next))
			if wait <= 0 {
				break
			}
			select {
			case <-stop:
				return
			case <-time.After(wait):
			}
		}
		select {
		case <-stop:
			return
		case <-time.After(time.Until(next)):
		}
	}
}

// processCPU reads process pid's CPU time (all its threads) from its
// process CPU clock.
func processCPU(pid int) (time.Duration, bool) {
	var ts syscall.Timespec
	clock := uintptr((^pid)<<3 | 2) // MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clock, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}

func (lf *localFleet) Connected() *coord.Cluster { return lf.cluster }

func (lf *localFleet) Names() []string {
	out := make([]string, lf.n)
	for i := range out {
		out[i] = DeviceName(i)
	}
	return out
}

func (lf *localFleet) Memory(i int) (containers.MemoryUse, error) {
	return containers.ReadMemory(lf.local.Process(i).Pid)
}

func (lf *localFleet) CPU(i int) (time.Duration, error) {
	return containers.ReadCPU(lf.local.Process(i).Pid)
}

func (lf *localFleet) Kill(_ context.Context, i int) error { return lf.local.Process(i).Kill() }

// Close stops the governor and relays, kills the workers and removes
// their cgroups.
func (lf *localFleet) Close() error {
	var errs []error
	lf.once.Do(func() {
		close(lf.stop)
		lf.wg.Wait()
		if lf.cluster != nil {
			lf.cluster.Close()
		}
		for _, r := range lf.relays {
			r.close()
		}
		errs = append(errs, lf.local.Close())
		for _, d := range lf.cgroups {
			errs = append(errs, removeCgroup(d))
		}
	})
	return errors.Join(errs...)
}

func removeCgroup(dir string) error {
	err := os.Remove(dir)
	for i := 0; i < 50 && err != nil && !errors.Is(err, os.ErrNotExist); i++ {
		time.Sleep(20 * time.Millisecond) // its processes are still exiting
		err = os.Remove(dir)
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// stopProcesses stops the fallback's processes that are still the ones
// started (same pid and start time): the supervisor first (it stops its
// workers), then whatever is left.
func stopProcesses(st *State, log io.Writer) []error {
	var errs []error
	for _, p := range st.Processes {
		if s, err := startTime(p.PID); err != nil || s != p.Start {
			continue // gone, or the pid is someone else's now
		}
		fmt.Fprintf(log, "testbed: stopping %s (pid %d)\n", p.Name, p.PID)
		syscall.Kill(p.PID, syscall.SIGTERM)
		for i := 0; i < 100; i++ {
			if s, err := startTime(p.PID); err != nil || s != p.Start {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if s, err := startTime(p.PID); err == nil && s == p.Start {
			syscall.Kill(p.PID, syscall.SIGCONT)
			if err := syscall.Kill(p.PID, syscall.SIGKILL); err != nil {
				errs = append(errs, fmt.Errorf("%s (pid %d): %w", p.Name, p.PID, err))
			}
		}
	}
	return errs
}

// removeCgroups removes the fallback's cgroups.
func removeCgroups(st *State) []error {
	var errs []error
	for _, d := range st.Cgroups {
		errs = append(errs, removeCgroup(d))
	}
	return errs
}

// startTime is process pid's start time in clock ticks since boot (field
// 22 of /proc/PID/stat), which tells a pid reused by another process.
func startTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("bad stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, errors.New("bad stat")
	}
	// After the command, fields start at 3 (state): start time is 22.
	if f[0] == "Z" || f[0] == "X" {
		return 0, errors.New("exited")
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// relayAddr is where relays listen.
var relayAddr = net.JoinHostPort("127.0.0.1", "0")

// bucketFor is device i's bucket: the one of the shared medium, or its
// own (switched), made on first use.
func (tb *Testbed) bucketFor(i int) *bucket {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if tb.st.Medium != Switched {
		i = 0
	}
	if tb.buckets == nil {
		tb.buckets = map[int]*bucket{}
	}
	b := tb.buckets[i]
	if b == nil {
		b = newBucket(tb.st.Bandwidth)
		tb.buckets[i] = b
	}
	return b
}

// localBytes is what the fallback's relays have carried.
func (tb *Testbed) localBytes() int64 {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var n int64
	for _, b := range tb.buckets {
		n += b.bytes.Load()
	}
	return n
}
