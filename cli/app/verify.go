package app

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/plugins"
	"github.com/edgectl/edgectl/runtime/verify"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "run models against their reference outputs",
		ArgsUsage: "DIR...",
		Description: "Each DIR is in the ONNX model-zoo layout: model.onnx and test_data_set_N/ with\n" +
			"input_K.pb and output_K.pb. Prints the max absolute and relative error per output;\n" +
			"an output matches when max|ours-ref| <= 1e-4 * max(1, max|ref|).\n" +
			"Exit status 0 when every output of every DIR matches, 1 otherwise.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "plugin", Usage: "run with the kernels of `PLUGIN.wasm` wherever its manifest covers an op (after its conformance check)"},
			&cli.IntFlag{Name: "local", Usage: "verify through a distributed run on `N` local worker processes"},
			&cli.StringFlag{Name: "grid", Usage: "with --local: split fused blocks into an `RxC` grid of tiles"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() == 0 {
				return fmt.Errorf("verify: want at least one model folder (see edgectl verify --help)")
			}
			w := cmd.Root().Writer
			var run verify.Runner
			if path := cmd.String("plugin"); path != "" {
				// plugins.Open runs the conformance check and refuses a
				// plugin that fails it.
				p, err := plugins.Open(path, "", plugins.Options{})
				if err != nil {
					return err
				}
				defer p.Close()
				run = verify.WithKernels(plugins.Impls(p))
			}
			if n := int(cmd.Int("local")); n > 0 {
				if run != nil {
					return fmt.Errorf("verify: --plugin and --local cannot be combined yet")
				}
				grid, err := parseGrid(cmd.String("grid"))
				if err != nil {
					return err
				}
				local, err := LocalWorkers("", nil, nil, 0, nil)
				if err != nil {
					return err
				}
				r, stop := coord.Runner(coord.RunnerOptions{Provider: local, Devices: n, Planner: simplePlanner(grid)})
				defer stop()
				run = r
			} else if cmd.String("grid") != "" {
				return fmt.Errorf("verify: --grid needs --local N")
			}
			failed := 0
			for _, dir := range cmd.Args().Slice() {
				res, err := verify.Dir(ctx, dir, run)
				if err != nil {
					fmt.Fprintf(cmd.Root().ErrWriter, "edgectl: %s\n", err)
					failed++
					continue
				}
				fmt.Fprint(w, res.Format())
				if !res.OK() {
					failed++
				}
			}
			if failed > 0 {
				fmt.Fprintf(w, "%d of %d models FAILED\n", failed, cmd.Args().Len())
				return exitError{1}
			}
			fmt.Fprintf(w, "all %d models match\n", cmd.Args().Len())
			return nil
		},
	}
}
