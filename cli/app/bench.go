package app

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernels"
	"github.com/edgectl/edgectl/tools/bench"
	"github.com/edgectl/edgectl/tools/zoo"
)

type benchFlags struct {
	model     string
	shapes    map[string]graphir.Shape
	threads   int
	layers    bool
	convsOnly bool
	compare   string
	plan      bench.Plan
	seed      uint64
	zooDir    string
	profile   int
}

func benchCommand() *cli.Command {
	return &cli.Command{
		Name:      "bench",
		Usage:     "time a model in edgectl's runtime, optionally side by side with ONNX Runtime",
		ArgsUsage: "MODEL",
		Description: "MODEL is an ONNX or .edgeir file, or a zoo name (" + strings.Join(zoo.Names(), ", ") + ")\n" +
			"generated into the cache folder (--zoo-dir, default " + zooDirDefault() + ") on first use.\n" +
			"Runs warm-up rounds, then timed rounds, and prints the median and min time, GFLOP/s\n" +
			"(graphir's FLOP counts) and the fraction of this CPU's FMA peak, measured first.\n" +
			"Each turn is a 100 ms busy settle, one untimed run, then the timed run, so that one\n" +
			"engine's spinning threads do not slow the other.\n" +
			"With --compare ort each round runs ours then ONNX Runtime (graph optimisations all,\n" +
			"intra-op threads --threads, inter-op 1, sequential) on the same random input, and the\n" +
			"last line is `speed vs ort: R`, R = ORT's median time / ours (higher is better).\n" +
			"--compare needs bin/edgectl-ort, built by `make bench-deps`.\n" +
			"--convs-only times the conv stack: the model cut right after its last Conv (+ activation),\n" +
			"so for VGG-16 the 13 Conv+Relu and the 4 MaxPools between them, no classifier.\n" +
			"--layers also times every Conv alone, as a one-node graph.\n" +
			"--profile N runs our side N more times with a clock around every node and prints the\n" +
			"time per op kind (with the kernel that ran it) and the slowest nodes, before the last lines.",
		Flags: []cli.Flag{
			threadsFlag(),
			&cli.BoolFlag{Name: "layers", Usage: "also time every Conv alone, as a one-node graph"},
			&cli.BoolFlag{Name: "convs-only", Usage: "time the conv stack (the model cut after its last Conv) instead of the whole model"},
			&cli.StringFlag{Name: "compare", Usage: "also run the model in `ENGINE` (ort), alternating run by run"},
			&cli.IntFlag{Name: "runs", Usage: "timed rounds per measurement (0: as many as fit in --budget, 5 to 30)"},
			&cli.IntFlag{Name: "warmup", Value: bench.DefaultPlan.Warmup, Usage: "untimed warm-up rounds"},
			&cli.DurationFlag{Name: "budget", Value: bench.DefaultPlan.Budget, Usage: "time for the timed rounds of one measurement when --runs is 0"},
			&cli.Int64Flag{Name: "seed", Value: 1, Usage: "seed of the random input"},
			&cli.StringFlag{Name: "zoo-dir", Usage: "folder of generated zoo models (default: the user cache folder)"},
			&cli.IntFlag{Name: "profile", Usage: "also profile our runtime node by node over `N` runs and print the time per op kind and the slowest nodes"},
			inputShapeFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			f, err := parseBenchFlags(cmd)
			if err != nil {
				return err
			}
			return runBench(ctx, cmd.Root().Writer, cmd.Root().ErrWriter, f)
		},
	}
}

func zooDirDefault() string {
	if d, err := bench.ZooCacheDir(); err == nil {
		return d
	}
	return "the user cache folder/edgectl/zoo"
}

func parseBenchFlags(cmd *cli.Command) (benchFlags, error) {
	var f benchFlags
	var err error
	if f.model, err = oneArg(cmd, "model file or zoo name"); err != nil {
		return f, err
	}
	if f.shapes, err = parseInputShapes(cmd.StringSlice("input-shape")); err != nil {
		return f, err
	}
	f.threads, f.layers, f.convsOnly = int(cmd.Int("threads")), cmd.Bool("layers"), cmd.Bool("convs-only")
	f.compare, f.zooDir = cmd.String("compare"), cmd.String("zoo-dir")
	f.seed = uint64(cmd.Int64("seed"))
	f.profile = int(cmd.Int("profile"))
	f.plan = bench.DefaultPlan
	f.plan.Runs, f.plan.Warmup, f.plan.Budget = int(cmd.Int("runs")), int(cmd.Int("warmup")), cmd.Duration("budget")
	switch {
	case f.threads < 0:
		return f, fmt.Errorf("bench: --threads %d: want 0 (all cores) or more", f.threads)
	case f.plan.Runs < 0:
		return f, fmt.Errorf("bench: --runs %d: want 0 (auto) or more", f.plan.Runs)
	case f.profile < 0:
		return f, fmt.Errorf("bench: --profile %d: want 0 (off) or a number of runs", f.profile)
	case f.plan.Warmup < 0:
		return f, fmt.Errorf("bench: --warmup %d: want 0 or more", f.plan.Warmup)
	case f.plan.Runs == 0 && f.plan.Budget <= 0:
		return f, fmt.Errorf("bench: --budget %v: want a positive time with --runs 0", f.plan.Budget)
	}
	return f, nil
}

func runBench(ctx context.Context, stdout, stderr io.Writer, f benchFlags) error {
	// Fail before generating a model when the engine is missing.
	if f.compare != "" {
		if _, err := bench.LookupEngine(f.compare); err != nil {
			return fmt.Errorf("--compare %s: %w", f.compare, err)
		}
	}
	path, err := bench.ResolveModel(f.model, f.zooDir, stderr)
	if err != nil {
		return err
	}
	// The assembly FMA loop gives the real peak; the bench falls back to its
	// portable Go loop (which underestimates) where that cannot run.
	bench.SetPeakKernel(bench.PeakKernel{Name: kernels.Tier() + " FMA loop", Run: kernels.FMAPeak})
	if err := kernels.TierError(); err != nil {
		fmt.Fprintf(stderr, "edgectl: %v\n", err)
	}
	start := time.Now()
	res, err := bench.Run(ctx, bench.Config{
		Model: path, InputShapes: f.shapes, Threads: f.threads,
		ConvsOnly: f.convsOnly, Layers: f.layers, Compare: f.compare,
		Plan: f.plan, Seed: f.seed, Profile: f.profile, Log: stderr,
		CPU: kernels.CPUModel(), Tier: kernels.Tier(),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bench: done in %v\n", time.Since(start).Round(time.Millisecond))
	return res.Format(stdout)
}
