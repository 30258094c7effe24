//go:build ort

// Command edgectl-ort is edgectl with ONNX Runtime linked in for
// `edgectl bench --compare ort`.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/edgectl/edgectl/cli/app"
	_ "github.com/edgectl/edgectl/tools/ortbench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := app.Run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
