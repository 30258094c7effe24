package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/kube/image"
	"github.com/edgectl/edgectl/runtime/worker"
	"github.com/edgectl/edgectl/runtime/worker/coord"
	"github.com/urfave/cli/v3"
)

// Version is set by the build (-ldflags "-X ...app.Version=...").
var Version = "dev"

// exitError carries an exit status without a message of its own (verify
// prints its report and exits 1 when outputs differ).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// New builds the edgectl command tree writing to stdout and stderr.
func New(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:    "edgectl",
		Usage:   "run one CNN inference across several edge devices",
		Version: Version,
		Description: "edgectl imports ONNX CNNs (PyTorch exports, opset 11-18) into a static graph,\n" +
			"verifies them against reference outputs, and runs them on one device or partitioned\n" +
			"into fused tiles and layer-wise splits across workers (local processes today),\n" +
			"with native kernels or sandboxed WebAssembly kernel plugins.",
		Writer:    stdout,
		ErrWriter: stderr,
		// Errors are printed once by Run; the library never exits the process.
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
		Commands: []*cli.Command{
			importCommand(),
			verifyCommand(),
			inferCommand(),
			zooCommand(),
			runCommand(),
			workerCommand(),
			pluginCommand(),
			benchCommand(),
			planCommand(),
			simulateCommand(),
			imageCommand(),
			clusterCommand(),
			netprobeCommand(),
			profileCommand(),
			bundleCommand(),
			manifestsCommand(),
			deployCommand(),
			undeployCommand(),
			statusCommand(),
			testbedCommand(),
		},
	}
}

// Run runs edgectl with args (args[0] is the program name) and returns the
// process exit status: 0 on success, 1 on any error, printed as one line.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "edgectl: internal error (please report): %v\n", r)
			code = 2
		}
	}()
	err := New(stdout, stderr).Run(ctx, args)
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	msg := strings.TrimSpace(err.Error())
	if h := flagHint(err); h != "" {
		msg += " (" + h + ")"
	}
	fmt.Fprintf(stderr, "edgectl: %s\n", msg)
	return 1
}

// flagHint says which flags fix an error that a library reports in its
// own terms.
func flagHint(err error) string {
	var shape *importer.ShapeNeededError
	var noWorker *coord.NoWorkerError
	switch {
	case errors.As(err, &shape):
		return fmt.Sprintf("give it with --input-shape %s=D0xD1x...", shape.Input)
	case errors.As(err, &noWorker):
		return fmt.Sprintf("give --worker %s=ADDR", noWorker.Device)
	case errors.Is(err, worker.ErrNoAuth):
		return "give --token, --token-file, $EDGECTL_TOKEN or --client-ca"
	case errors.Is(err, worker.ErrClientCANeedsCert):
		return "--client-ca needs --tls-cert and --tls-key"
	case errors.Is(err, image.ErrNoGo), errors.Is(err, image.ErrNoSource):
		return "pass --module-dir DIR, or --binary PLATFORM=FILE for every platform"
	case errors.Is(err, image.ErrDockerOnePlatform):
		return "build one --platform, or use --format tarball"
	}
	return ""
}

// oneArg returns the single positional argument or a usage error.
func oneArg(cmd *cli.Command, what string) (string, error) {
	if cmd.Args().Len() != 1 {
		return "", fmt.Errorf("%s: want exactly one %s, got %d arguments (see edgectl %s --help)", cmd.Name, what, cmd.Args().Len(), cmd.Name)
	}
	return cmd.Args().First(), nil
}
