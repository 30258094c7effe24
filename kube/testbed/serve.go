package testbed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/edgectl/edgectl/kube/containers"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// Serve runs every device of the fallback testbed in dir (local worker
// processes, their quotas and relays) until ctx ends, then stops them:
// `edgectl testbed serve`, the supervisor that Up starts and Down stops.
func Serve(ctx context.Context, dir string, worker coord.CommandFunc, log io.Writer) error {
	var tb *Testbed
	// Up records this process in the state file once it has started it;
	// what this process writes must come after.
	for i := 0; ; i++ {
		var err error
		if tb, err = Open(ctx, dir, nil, log); err != nil {
			return err
		}
		if slices.ContainsFunc(tb.st.Processes, func(p Process) bool { return p.PID == os.Getpid() }) {
			break
		}
		if i == 100 {
			return errors.New("testbed serve: not recorded in the state file: start it with edgectl testbed up")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if tb.st.Mode != "local" {
		return fmt.Errorf("testbed serve: the testbed in %s runs containers", dir)
	}
	tb.worker = worker
	f, err := tb.startLocal(ctx, DeviceCount(tb.st.Classes))
	if err != nil {
		return err
	}
	defer f.Close()
	tb.mu.Lock()
	tb.st.Ready = true
	err = tb.st.Save()
	tb.mu.Unlock()
	if err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// superviseUp starts the supervisor made by command, records it, and
// waits until its devices run; it returns them as a fleet.
func (tb *Testbed) superviseUp(ctx context.Context, cfg Config) (Fleet, error) {
	if cfg.Supervisor == nil {
		return nil, errors.New("testbed: no supervisor command for the local fallback")
	}
	c := cfg.Supervisor(tb.st.Dir())
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	c.Stdout, c.Stderr = nil, nil
	if err := c.Start(); err != nil {
		return nil, err
	}
	go c.Wait()
	start, _ := startTime(c.Process.Pid)
	tb.st.Processes = append(tb.st.Processes, Process{Name: "supervisor", PID: c.Process.Pid, Start: start})
	if err := tb.st.Save(); err != nil {
		return nil, err
	}
	tb.logf("supervisor started (pid %d)", c.Process.Pid)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st, err := LoadState(tb.st.Dir())
		if err != nil {
			return nil, err
		}
		if st.Ready {
			tb.st = st
			break
		}
		if s, err := startTime(c.Process.Pid); err != nil || s != start {
			return nil, errors.New("testbed: the supervisor exited before its devices ran")
		}
		if time.Now().After(deadline) {
			return nil, errors.New("testbed: the supervisor's devices did not start within 2 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
	tok, err := os.ReadFile(tb.st.TokenFile)
	if err != nil {
		return nil, err
	}
	tb.token = string(trimSpace(tok))
	var addrs []string
	for _, d := range tb.st.Devices {
		addrs = append(addrs, d.Addr)
	}
	cl, err := coord.Dial(addrs, tb.Auth())
	if err != nil {
		return nil, err
	}
	return &runningFleet{cl: cl, st: tb.st}, cl.WaitReady(ctx)
}

// runningFleet is devices another process runs (the supervisor's).
type runningFleet struct {
	cl *coord.Cluster
	st *State
}

func (f *runningFleet) Connected() *coord.Cluster { return f.cl }
func (f *runningFleet) Close() error              { return f.cl.Close() }
func (f *runningFleet) Names() []string {
	var out []string
	for _, d := range f.st.Devices {
		out = append(out, d.Name)
	}
	return out
}
func (f *runningFleet) Memory(i int) (containers.MemoryUse, error) {
	return containers.ReadMemory(f.st.Devices[i].PID)
}
func (f *runningFleet) CPU(i int) (time.Duration, error) {
	return containers.ReadCPU(f.st.Devices[i].PID)
}
func (f *runningFleet) Kill(_ context.Context, i int) error {
	return syscall.Kill(f.st.Devices[i].PID, syscall.SIGKILL)
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}
