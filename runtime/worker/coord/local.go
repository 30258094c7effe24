package coord

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	goruntime "runtime"
	"strings"
	"sync"
	"time"

	"github.com/edgectl/edgectl/runtime/worker/internal/wire"
)

// LocalOptions say how to start local workers. It is a Provider.
type LocalOptions struct {
	Workers int
	// Command makes the command of one worker (required): it must listen
	// on the launch's address, keep its files in its data directory, use
	// its threads, read the token from $EDGECTL_TOKEN and print
	// wire.ListenBanner and its address on stdout once it listens.
	Command CommandFunc
	// Threads of every worker; 0 shares this machine's cores among the
	// workers (at least 1 each), < 0 lets each use all cores.
	Threads int
	// Env is added to every worker's environment (e.g. "GOMAXPROCS=1").
	Env []string
	// Stderr receives the workers' logs (nil: discarded).
	Stderr io.Writer
	// StartTimeout bounds how long a worker may take to listen (default 30s).
	StartTimeout time.Duration
}

// Local is a set of worker processes on 127.0.0.1, each with a random port,
// a temporary data directory and a fresh random token shared by all.
type Local struct {
	*Cluster
	Token string
	procs []*exec.Cmd
	dirs  []string
	mu    sync.Mutex
	done  []chan struct{}
}

// StartLocal starts opts.Workers workers and connects to them. Close kills
// them; on Linux they are also killed if this process dies.
func StartLocal(ctx context.Context, opts LocalOptions) (l *Local, err error) {
	if opts.Workers < 1 {
		return nil, fmt.Errorf("local workers: want at least 1, have %d", opts.Workers)
	}
	if opts.Command == nil {
		return nil, errors.New("local workers: no command to start a worker with")
	}
	if opts.Threads == 0 {
		opts.Threads = max(1, goruntime.NumCPU()/opts.Workers)
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 30 * time.Second
	}
	l = &Local{Token: rand.Text()}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	addrs := make([]string, opts.Workers)
	errs := make([]error, opts.Workers)
	var wg sync.WaitGroup
	for i := range opts.Workers {
		dir, err := os.MkdirTemp("", fmt.Sprintf("edgectl-worker-%d-", i))
		if err != nil {
			return l, err
		}
		l.dirs = append(l.dirs, dir)
		cmd, lines, err := l.start(opts, WorkerLaunch{Index: i, Listen: "127.0.0.1:0", DataDir: dir, Threads: max(opts.Threads, 0)})
		if err != nil {
			return l, fmt.Errorf("local worker %d: %w", i, err)
		}
		wg.Go(func() { addrs[i], errs[i] = waitListening(ctx, cmd, lines, opts.StartTimeout) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return l, fmt.Errorf("local worker %d: %w", i, err)
		}
	}
	c, err := Dial(addrs, Auth{Token: l.Token})
	if err != nil {
		return l, err
	}
	for i, w := range c.Workers {
		w.DataDir = l.dirs[i]
	}
	l.Cluster = c
	return l, c.WaitReady(ctx)
}

func (l *Local) start(opts LocalOptions, launch WorkerLaunch) (*exec.Cmd, *bufio.Scanner, error) {
	cmd := opts.Command(launch)
	// The token goes in the environment, not on the command line.
	cmd.Env = append(append(os.Environ(), "EDGECTL_TOKEN="+l.Token), opts.Env...)
	cmd.Stderr = opts.Stderr
	setDeathSignal(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	done := make(chan struct{})
	l.mu.Lock()
	l.procs = append(l.procs, cmd)
	l.done = append(l.done, done)
	l.mu.Unlock()
	go func() { cmd.Wait(); close(done) }()
	return cmd, bufio.NewScanner(out), nil
}

// waitListening reads the worker's stdout up to its banner, then drains it.
func waitListening(ctx context.Context, cmd *exec.Cmd, lines *bufio.Scanner, timeout time.Duration) (string, error) {
	addr := make(chan string, 1)
	go func() {
		found := false
		for lines.Scan() {
			if a, ok := strings.CutPrefix(lines.Text(), wire.ListenBanner); ok && !found {
				found = true
				addr <- strings.TrimSpace(a)
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			return "", errors.New("exited before listening (see its log above)")
		}
		return a, nil
	case <-time.After(timeout):
		return "", fmt.Errorf("not listening after %v", timeout)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Process returns worker i's process (tests kill or stop it).
func (l *Local) Process(i int) *os.Process {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.procs[i].Process
}

// Close kills every worker, waits for them and removes their data
// directories.
func (l *Local) Close() error {
	if l.Cluster != nil {
		l.Cluster.Close()
	}
	l.mu.Lock()
	procs, done := l.procs, l.done
	l.procs, l.done = nil, nil
	l.mu.Unlock()
	for _, p := range procs {
		p.Process.Kill()
	}
	for _, d := range done {
		<-d
	}
	var errs []error
	for _, d := range l.dirs {
		errs = append(errs, os.RemoveAll(d))
	}
	l.dirs = nil
	return errors.Join(errs...)
}
