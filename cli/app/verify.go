package app

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/plugins"
	"github.com/edgectl/edgectl/runtime/verify"
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
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() == 0 {
				return fmt.Errorf("verify: want at least one model folder (see edgectl verify --help)")
			}
			w := cmd.Root().Writer
			var run verify.Runner
			if path := cmd.String("plugin"); path != "" {
				r, p, err := plugins.VerifyOption(path, plugins.Options{})
				if err != nil {
					return err
				}
				defer p.Close()
				run = r
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
