// Command edgectl runs one CNN inference across several edge devices.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/edgectl/edgectl/cli/app"
)

func main() {
	// SIGTERM too: a worker under systemd or Kubernetes stops cleanly and
	// removes its temporary data.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
