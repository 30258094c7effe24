package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/plugins"
	"github.com/edgectl/edgectl/tools/bench"
)

// pluginCommand is `edgectl plugin inspect|test|bench PLUGIN.wasm`.
func pluginCommand() *cli.Command {
	return &cli.Command{
		Name:  "plugin",
		Usage: "inspect, check and benchmark WebAssembly kernel plugins",
		Description: "A kernel plugin is a WebAssembly module with vendor kernels (plugins/ABI.md), run\n" +
			"sandboxed by wazero: no file system, network or clock, a memory limit, and, unless\n" +
			"trusted by digest, a deadline per call.",
		Commands: []*cli.Command{pluginInspectCommand(), pluginTestCommand(), pluginBenchCommand()},
	}
}

func pluginCacheFlag() cli.Flag {
	return &cli.StringFlag{Name: "cache-dir", Usage: "compiled-plugin cache `DIR` (default " + plugins.DefaultCacheDir() + ")"}
}

// pluginOptions reads the flags every plugin subcommand shares; plugin
// logs (unload and fallback reasons) go to stderr.
func pluginOptions(cmd *cli.Command) plugins.Options {
	return plugins.Options{
		CacheDir: cmd.String("cache-dir"),
		Logger:   slog.New(slog.NewTextHandler(cmd.Root().ErrWriter, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
}

func pluginInspectCommand() *cli.Command {
	return &cli.Command{
		Name:      "inspect",
		Usage:     "print a plugin's digest, ABI version, manifest, imports and exports",
		ArgsUsage: "PLUGIN.wasm",
		Description: "Loads the plugin sandboxed and checks its ABI version, imports, exports and manifest;\n" +
			"runs no kernel (see edgectl plugin test).",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print as JSON"}, pluginCacheFlag()},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			path, err := oneArg(cmd, "plugin file")
			if err != nil {
				return err
			}
			info, err := plugins.Inspect(path, pluginOptions(cmd))
			if err != nil {
				return err
			}
			return info.Format(cmd.Root().Writer, cmd.Bool("json"))
		},
	}
}

func pluginTestCommand() *cli.Command {
	return &cli.Command{
		Name:      "test",
		Usage:     "run a plugin's conformance check against the reference kernels",
		ArgsUsage: "PLUGIN.wasm",
		Description: "Runs every op kind of the manifest, every listed kernel size, stride and dilation,\n" +
			"with and without the relu epilogue, on random shapes, in several tiles, and compares\n" +
			"with the reference kernels: max|plugin-ref| <= 1e-4 * max(1, max|ref|). Prints one\n" +
			"line per case. Exit status 0 when the plugin is accepted, 1 when it is refused.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "sha256", Usage: "refuse the plugin unless its digest is `HEX`"},
			&cli.Uint64Flag{Name: "seed", Usage: "seed of the random shapes (0: derived from the digest)"},
			&cli.DurationFlag{Name: "deadline", Value: plugins.DefaultCallDeadline, Usage: "deadline of one plugin call"},
			pluginCacheFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			path, err := oneArg(cmd, "plugin file")
			if err != nil {
				return err
			}
			opts := pluginOptions(cmd)
			opts.Seed, opts.CallDeadline = cmd.Uint64("seed"), cmd.Duration("deadline")
			return runPluginTest(cmd.Root().Writer, path, cmd.String("sha256"), opts)
		},
	}
}

func runPluginTest(w io.Writer, path, digest string, opts plugins.Options) error {
	p, err := plugins.Open(path, digest, opts)
	var refused *plugins.RefusedError
	if errors.As(err, &refused) {
		fmt.Fprint(w, refused.Report.Format())
		return exitError{1}
	}
	if err != nil {
		return err
	}
	defer p.Close()
	fmt.Fprint(w, p.Report().Format())
	return nil
}

func pluginBenchCommand() *cli.Command {
	return &cli.Command{
		Name:      "bench",
		Usage:     "time a plugin's convolution on VGG-16's conv layers against the native kernels",
		ArgsUsage: "PLUGIN.wasm",
		Description: "Times each VGG-16 3x3 conv layer shape as a one-node Conv graph: the executor's native\n" +
			"kernel (what runtime.New picks), the reference kernel (--reference), and the plugin\n" +
			"guarded (untrusted: loop checks and a deadline per call) and trusted. --size scales the\n" +
			"224x224 input down to keep runs short. Prints the plugin/native speed ratios, the\n" +
			"cost of the deadline guard and the cold and warm compile times.",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "size", Value: 112, Usage: "input spatial size `N` (VGG-16: 224; a multiple of 16)"},
			&cli.IntFlag{Name: "reps", Value: 3, Usage: "timed runs per layer and kernel; the fastest counts"},
			&cli.IntFlag{Name: "threads", Usage: "threads for intra-op parallelism (0: all cores)"},
			&cli.BoolFlag{Name: "reference", Value: true, Usage: "also time the reference kernels (one run each)"},
			pluginCacheFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			path, err := oneArg(cmd, "plugin file")
			if err != nil {
				return err
			}
			o := bench.PluginOptions{Size: int(cmd.Int("size")), Reps: int(cmd.Int("reps")), Threads: int(cmd.Int("threads")),
				Reference: cmd.Bool("reference"), Options: pluginOptions(cmd)}
			start := time.Now()
			res, err := bench.Plugin(ctx, path, o)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.Root().Writer, res.Format())
			fmt.Fprintf(cmd.Root().Writer, "bench took %v\n", time.Since(start).Round(time.Second))
			return nil
		},
	}
}
