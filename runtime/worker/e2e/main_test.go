package e2e_test

import (
	"context"
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
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	opts := coord.LocalOptions{Workers: n, Exe: exe, Args: []string{"worker"}, Env: []string{childEnv}}
	if testing.Verbose() {
		opts.Stderr = os.Stderr
	}
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
