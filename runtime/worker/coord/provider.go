package coord

import (
	"context"
	"os/exec"
)

// A Provider starts workers somewhere and connects to them: child
// processes on this machine today (LocalOptions), containers and pods next.
// The choice of provider is made once, by the caller; the coordinator only
// sees the Fleet.
type Provider interface {
	// Start starts n workers, waits until they serve, and returns them
	// connected. On error nothing it started is left running.
	Start(ctx context.Context, n int) (Fleet, error)
}

// A Fleet is a set of running workers that a Provider started.
type Fleet interface {
	// Connected is the coordinator's connection to the workers, in the
	// order they were started.
	Connected() *Cluster
	// Close stops every worker and removes what the provider made for
	// them (processes, data directories, containers).
	Close() error
}

// WorkerLaunch is what one local worker process is started with: the
// address to listen on, its data directory and its intra-op threads (0:
// all cores). The worker's command line is its command's business (the
// CLI's), so LocalOptions.Command turns a WorkerLaunch into a command.
type WorkerLaunch struct {
	Index   int
	Listen  string
	DataDir string
	Threads int
}

// CommandFunc makes the command that runs one local worker.
type CommandFunc func(l WorkerLaunch) *exec.Cmd

// Start implements Provider: it starts n local workers with o
// (o.Workers is ignored).
func (o LocalOptions) Start(ctx context.Context, n int) (Fleet, error) {
	o.Workers = n
	l, err := StartLocal(ctx, o)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// Connected implements Fleet.
func (l *Local) Connected() *Cluster { return l.Cluster }
