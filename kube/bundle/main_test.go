package bundle_test

import (
	"bytes"
	"context"
	"os"
	"os/signal"
	"sync"
	"testing"
	"time"

	"github.com/edgectl/edgectl/cli/app"
)

// The CLI tests run edgectl in process; `run --local` starts this test
// binary again as its workers, which TestMain turns into `edgectl worker`.
const childEnv = "EDGECTL_BUNDLE_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" && len(os.Args) > 1 && os.Args[1] == "worker" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		code := app.Run(ctx, append([]string{"edgectl"}, os.Args[1:]...), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

func edgectl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var o, e lockedBuffer
	code := app.Run(ctx, append([]string{"edgectl"}, args...), &o, &e)
	return code, o.String(), e.String()
}

// lockedBuffer takes writes from several goroutines (the local workers'
// log copiers).
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
