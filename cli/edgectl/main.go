// Command edgectl runs one CNN inference across several edge devices.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/edgectl/edgectl/cli/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := app.Run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
