package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/profile"
	"github.com/edgectl/edgectl/runtime/worker"
	"github.com/edgectl/edgectl/runtime/worker/coord"
	"github.com/edgectl/edgectl/tools/bench"
)

type profileFlags struct {
	out, from, worker string
	threads           int
	budget            time.Duration
	seed              uint64
	check             []string
	runs              int
	zooDir            string
	auth              coord.Auth
	token, tokenFile  string
}

func profileCommand() *cli.Command {
	return &cli.Command{
		Name:      "profile",
		Usage:     "measure this machine's (or a worker's) latency profile for the planner",
		ArgsUsage: "[MODEL...]",
		Description: "Micro-benchmarks every kind of node the models use (convolutions by kernel path,\n" +
			"GEMM, pools, element-wise, reference, concatenation and data movement ops) over a\n" +
			"grid of layer and tile sizes with the executor and --threads threads, fits each\n" +
			"kind's latency from its FLOPs, bytes and GEMM shape by non-negative least squares,\n" +
			"and prints per kind the samples, R², MAPE and the share of sizes predicted within\n" +
			"±10% (each size predicted by a fit without it). Writes the profile (YAML, kind\n" +
			"Profile) to -o, or without -o to this machine's cached profile, which the planner\n" +
			"uses for classes without one. About two minutes on a desktop core (every size is measured in three visits); --budget bounds it.\n" +
			"--worker ADDR asks a running worker to measure itself (needs -o).\n" +
			"--check MODEL (and MODEL arguments: ONNX, .edgeir or zoo names) then prints each\n" +
			"model's predicted one-device time against its measured time (the executor, median\n" +
			"of --runs runs), and against a time other processes do not inflate (with one\n" +
			"thread the median CPU time of the running thread, with more the fastest run).\n" +
			"--from FILE checks an existing profile instead of measuring.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the profile to `FILE`"},
			threadsFlag(),
			&cli.DurationFlag{Name: "budget", Usage: "bound the micro-benchmarks' time (0: the whole grid)"},
			&cli.Int64Flag{Name: "seed", Value: 1, Usage: "seed of the sizes held out of the fits"},
			&cli.StringFlag{Name: "from", Usage: "use the profile `FILE` instead of measuring"},
			&cli.StringSliceFlag{Name: "check", Usage: "predict and time `MODEL` (repeatable; an ONNX or .edgeir file or a zoo name)"},
			&cli.IntFlag{Name: "runs", Value: 5, Usage: "timed runs of each --check model"},
			&cli.StringFlag{Name: "zoo-dir", Usage: "folder of generated zoo models (default: the user cache folder)"},
			&cli.StringFlag{Name: "worker", Usage: "measure the worker at `ADDR` instead of this machine"},
			&cli.StringFlag{Name: "token", Usage: "shared `TOKEN` of the worker (or --token-file, $EDGECTL_TOKEN)"},
			&cli.StringFlag{Name: "token-file", Usage: "read the shared token from `FILE`"},
			&cli.StringFlag{Name: "tls-cert", Usage: "client certificate `FILE` for the worker (mTLS)"},
			&cli.StringFlag{Name: "tls-key", Usage: "private key `FILE` of --tls-cert"},
			&cli.StringFlag{Name: "ca", Usage: "CA `FILE` that signed the worker's certificate (enables TLS)"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			f := profileFlags{out: cmd.String("output"), from: cmd.String("from"), worker: cmd.String("worker"),
				threads: int(cmd.Int("threads")), budget: cmd.Duration("budget"), seed: uint64(cmd.Int64("seed")),
				check: append(cmd.StringSlice("check"), cmd.Args().Slice()...), runs: int(cmd.Int("runs")),
				zooDir: cmd.String("zoo-dir"), token: cmd.String("token"), tokenFile: cmd.String("token-file"),
				auth: coord.Auth{TLSCert: cmd.String("tls-cert"), TLSKey: cmd.String("tls-key"), CA: cmd.String("ca")}}
			switch {
			case f.threads < 0:
				return fmt.Errorf("profile: --threads %d: want 0 (all cores) or more", f.threads)
			case f.budget < 0:
				return fmt.Errorf("profile: --budget %v: want 0 (the whole grid) or more", f.budget)
			case f.from != "" && f.worker != "":
				return fmt.Errorf("profile: give --from or --worker, not both")
			case f.worker != "" && f.out == "":
				return fmt.Errorf("profile: --worker needs -o FILE for the worker's profile")
			case cmd.Args().Len() > 0 && len(cmd.StringSlice("check")) == 0:
				return fmt.Errorf("profile: unexpected arguments %v (models to check go after --check)", cmd.Args().Slice())
			}
			return runProfile(ctx, cmd.Root().Writer, cmd.Root().ErrWriter, f)
		},
	}
}

func runProfile(ctx context.Context, stdout, stderr io.Writer, f profileFlags) error {
	p, err := obtainProfile(ctx, stderr, f)
	if err != nil {
		return err
	}
	if f.from == "" {
		if err := printFits(stdout, p); err != nil {
			return err
		}
		path := f.out
		if path == "" {
			if path, err = localProfilePath(p.Threads); err != nil {
				return err
			}
		}
		if err := saveProfile(path, p); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", path)
	}
	if len(f.check) == 0 {
		return nil
	}
	if f.worker != "" {
		fmt.Fprintf(stderr, "profile: --check times the models on this machine, not on the worker\n")
	}
	return checkModels(ctx, stdout, stderr, p, f)
}

// obtainProfile reads, measures here or has the worker measure the
// profile.
func obtainProfile(ctx context.Context, stderr io.Writer, f profileFlags) (*costmodel.Profile, error) {
	if f.from != "" {
		data, err := os.ReadFile(f.from)
		if err != nil {
			return nil, err
		}
		return costmodel.DecodeProfile(f.from, data)
	}
	bar := newProgress(stderr, "profile")
	defer bar.Done()
	if f.worker != "" {
		tok, err := worker.ResolveToken(f.token, f.tokenFile)
		if err != nil {
			return nil, fmt.Errorf("profile: %w", err)
		}
		f.auth.Token = tok
		return coord.ProfileWorker(ctx, f.worker, f.auth, f.threads, bar.Report)
	}
	return profile.Measure(ctx, profile.Options{Threads: f.threads, Budget: f.budget, Seed: f.seed, Progress: bar.Report})
}

// printFits prints one row per kind: samples, R², MAPE, within ±10%.
func printFits(w io.Writer, p *costmodel.Profile) error {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "profile of %s (%s, %s), %d threads: accuracy on sizes held out of each fit\n", p.Host, p.Arch, p.Tier, p.Threads)
	fmt.Fprintf(tw, "kind\tsamples\tR²\tMAPE\twithin ±10%%\t\n")
	for _, k := range costmodel.Kinds() {
		fit, ok := p.Fits[k]
		if !ok {
			fmt.Fprintf(tw, "%s\t0\t-\t-\t-\t\n", k)
			continue
		}
		if fit.HeldOut == 0 {
			fmt.Fprintf(tw, "%s\t%d\t-\t-\t-\t\n", k, fit.Samples)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.1f%%\t%.0f%%\t\n", k, fit.Samples, fit.R2, 100*fit.MAPE, 100*fit.Within10)
	}
	return tw.Flush()
}

// checkModels predicts and times every --check model with p.
func checkModels(ctx context.Context, stdout, stderr io.Writer, p *costmodel.Profile, f profileFlags) error {
	threads := f.threads
	if threads <= 0 {
		threads = goruntime.GOMAXPROCS(0)
	}
	if p.Threads != threads {
		fmt.Fprintf(stderr, "profile: the profile was measured with %d threads, the models run with %d\n", p.Threads, threads)
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', tabwriter.AlignRight)
	robust := "CPU"
	if threads != 1 {
		robust = "fastest"
	}
	fmt.Fprintf(tw, "model\tpredicted ms\tmeasured ms\tpredicted/measured\t%s ms\tpredicted/%s\t\n", robust, robust)
	for _, m := range f.check {
		path, err := bench.ResolveModel(m, f.zooDir, stderr)
		if err != nil {
			return err
		}
		g, err := importer.LoadFile(path, importer.Options{})
		if err != nil {
			return err
		}
		c, err := profile.CheckModel(ctx, p, g, threads, f.runs)
		if err != nil {
			return fmt.Errorf("%s: %w", m, err)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.3f\t%s\t%.3f\t\n", modelName(m), msOf(c.Predicted), msOf(c.Wall),
			c.Predicted.Seconds()/c.Wall.Seconds(), msOf(c.Robust), c.Predicted.Seconds()/c.Robust.Seconds())
	}
	return tw.Flush()
}

// modelName is how a check row names a model: a zoo name as it is, a file
// by its name, model.onnx by its folder (the reference models' layout).
func modelName(m string) string {
	base := filepath.Base(m)
	if base == "model.onnx" {
		base = filepath.Base(filepath.Dir(m))
	}
	return strings.TrimSuffix(strings.TrimSuffix(base, ".onnx"), ".edgeir")
}

func msOf(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()*1e3) }
