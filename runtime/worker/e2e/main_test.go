package e2e_test

import (
	"context"
	"io"
	"os"
	"os/signal"
	"testing"

	"github.com/edgectl/edgectl/cli/app"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// childEnv makes the test binary act as edgectl when it is started as a
// local worker.
const childEnv = "EDGECTL_E2E_CHILD=1"

func TestMain(m *testing.M) {
	if os.Getenv("EDGECTL_E2E_CHILD") == "1" && len(os.Args) > 1 && os.Args[1] == "worker" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		code := app.Run(ctx, append([]string{"edgectl"}, os.Args[1:]...), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// local starts n worker processes (this test binary as `edgectl worker`).
func local(t testing.TB, n int, mod func(*coord.LocalOptions)) *coord.Local {
	t.Helper()
	opts := localWorkers(t)
	opts.Workers = n
	if mod != nil {
		mod(&opts)
	}
	l, err := coord.StartLocal(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// localWorkers is the provider of worker processes that are this test
// binary acting as `edgectl worker`.
func localWorkers(t testing.TB) coord.LocalOptions {
	t.Helper()
	var logs io.Writer
	if testing.Verbose() {
		logs = os.Stderr
	}
	opts, err := app.LocalWorkers("", []string{"worker"}, []string{childEnv}, 0, logs)
	if err != nil {
		t.Fatal(err)
	}
	return opts
}
