package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/verify"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

type runFlags struct {
	model       string
	plan        string
	cluster     string
	local       int
	grid        string
	workers     []string
	inputs      []string
	outputs     []string
	baseline    bool
	shapes      map[string]graphir.Shape
	frames      int
	trace       string
	threads     int
	token       string
	tokenFile   string
	tlsCert     string
	tlsKey      string
	ca          string
	tileTimeout time.Duration
	noMerge     bool
	check       bool
	verbose     bool
	window      int
	warmup      int
	bundle      string
}

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run a model across several workers",
		ArgsUsage: "MODEL | --bundle APP.tar",
		Description: "Runs MODEL (ONNX or .edgeir) partitioned by a plan across workers: --local N\n" +
			"starts N workers on 127.0.0.1 (this executable's `worker` command, killed on exit)\n" +
			"and plans for them with the planner (`edgectl plan`) on this machine's latency\n" +
			"profile (measured once and cached), or by a fixed rule that cuts fused blocks into\n" +
			"--grid RxC tiles; --plan FILE runs a plan file on\n" +
			"local workers or on remote ones (--cluster FILE: each plan device's worker at its\n" +
			"address in the cluster file, with the file's token or TLS files; or --worker ADDR or\n" +
			"DEVICE=ADDR; by default each device id of the plan is its worker's address).\n" +
			"Tiles of a stage run in parallel, stages form a pipeline over --frames, and\n" +
			"workers send tiles' outputs straight to the workers that need them. Prints\n" +
			"per-stage timing, latency and throughput, and with --local or --cluster each\n" +
			"stage's predicted time beside the measured one, split into the slowest tile's\n" +
			"compute and the rest (transfers, waits), predicted and measured (--window 1\n" +
			"measures single-frame latency: one frame in flight at a time).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "plan", Usage: "plan `FILE` (YAML or JSON, kind Plan)"},
			&cli.StringFlag{Name: "bundle", Usage: "run bundle `APP.tar` (edgectl bundle; no MODEL): its plan on workers holding their shards, --local N or remote"},
			&cli.StringFlag{Name: "pubkey", Usage: "with --bundle: check its signature with this public key `FILE`"},
			&cli.BoolFlag{Name: "require-signature", Usage: "with --bundle: refuse it unless --pubkey signed it"},
			&cli.IntFlag{Name: "local", Usage: "start `N` local workers"},
			&cli.StringFlag{Name: "grid", Usage: "with --local: plan by a fixed rule, fused blocks cut into `RxC` tiles, instead of the planner"},
			&cli.StringSliceFlag{Name: "worker", Usage: "remote worker `ADDR` or DEVICE=ADDR (repeatable)"},
			&cli.StringFlag{Name: "cluster", Usage: "cluster `FILE` (kind Cluster): the plan's devices' workers at their addresses, reached with its auth section"},
			&cli.StringSliceFlag{Name: "input", Aliases: []string{"i"}, Usage: "input tensor `FILE` (.pb or .npy), one per model input", Required: true},
			&cli.StringSliceFlag{Name: "output", Aliases: []string{"o"}, Usage: "write output tensor to `FILE` (.pb or .npy), one per model output"},
			inputShapeFlag(),
			&cli.IntFlag{Name: "frames", Usage: "run the input `K` times through the pipeline", Value: 1},
			&cli.IntFlag{Name: "window", Usage: "frames in flight at once (`N`; 0: one per stage, plus one; 1: single-frame latency)"},
			&cli.IntFlag{Name: "warmup", Usage: "run `K` frames first that are not measured (workers build their tiles' executors on the first)"},
			&cli.BoolFlag{Name: "baseline", Usage: "with --local: run the same frames on one local worker too and print the latency against it"},
			&cli.StringFlag{Name: "trace", Usage: "write a Chrome/Perfetto trace-event JSON `FILE`"},
			&cli.IntFlag{Name: "threads", Usage: "intra-op threads of each local worker: 0 shares the cores among them, -1 lets each use all"},
			&cli.StringFlag{Name: "token", Usage: "shared `TOKEN` of remote workers (or --token-file, $EDGECTL_TOKEN)"},
			&cli.StringFlag{Name: "token-file", Usage: "read the shared token from `FILE`"},
			&cli.StringFlag{Name: "tls-cert", Usage: "client certificate `FILE` for remote workers (mTLS)"},
			&cli.StringFlag{Name: "tls-key", Usage: "private key `FILE` of --tls-cert"},
			&cli.StringFlag{Name: "ca", Usage: "CA `FILE` that signed the remote workers' certificates (enables TLS)"},
			&cli.DurationFlag{Name: "tile-timeout", Usage: "deadline of one job on a worker (0: adaptive)"},
			&cli.BoolFlag{Name: "no-merge", Usage: "run each tile alone, even where a worker holds neighbouring tiles"},
			&cli.BoolFlag{Name: "check", Usage: "also run on this process alone and print the largest difference"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "show the local workers' logs and failovers"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			f := runFlags{
				plan: cmd.String("plan"), cluster: cmd.String("cluster"), local: int(cmd.Int("local")), grid: cmd.String("grid"), workers: cmd.StringSlice("worker"),
				inputs: cmd.StringSlice("input"), outputs: cmd.StringSlice("output"), frames: int(cmd.Int("frames")), baseline: cmd.Bool("baseline"),
				trace: cmd.String("trace"), threads: int(cmd.Int("threads")), token: cmd.String("token"), tokenFile: cmd.String("token-file"),
				tlsCert: cmd.String("tls-cert"), tlsKey: cmd.String("tls-key"), ca: cmd.String("ca"),
				tileTimeout: cmd.Duration("tile-timeout"), noMerge: cmd.Bool("no-merge"), check: cmd.Bool("check"), verbose: cmd.Bool("verbose"),
				window: int(cmd.Int("window")), warmup: int(cmd.Int("warmup")), bundle: cmd.String("bundle"),
			}
			var err error
			if f.bundle != "" {
				if cmd.Args().Len() > 0 {
					f.model = cmd.Args().First()
				}
				return runFromBundle(ctx, cmd, cmd.Root().Writer, cmd.Root().ErrWriter, f)
			}
			if f.model, err = oneArg(cmd, "model file"); err != nil {
				return err
			}
			if f.shapes, err = parseInputShapes(cmd.StringSlice("input-shape")); err != nil {
				return err
			}
			return runRun(ctx, cmd.Root().Writer, cmd.Root().ErrWriter, f)
		},
	}
}

func parseGrid(s string) (planner.Grid, error) {
	if s == "" {
		return planner.Grid{}, nil
	}
	r, c, ok := strings.Cut(strings.ToLower(s), "x")
	rows, err1 := strconv.Atoi(r)
	cols, err2 := strconv.Atoi(c)
	if !ok || err1 != nil || err2 != nil || rows < 1 || cols < 1 {
		return planner.Grid{}, fmt.Errorf("--grid %q: want RxC, e.g. 2x2", s)
	}
	return planner.Grid{Rows: rows, Cols: cols}, nil
}

// simplePlanner plans by planner.SimplePlan with grid (0x0: the squarest
// grid of as many tiles as devices).
func simplePlanner(grid planner.Grid) coord.Planner {
	return func(g *graphir.Graph, devices int) (*graphir.Plan, error) {
		gr := grid
		if gr.Rows < 1 || gr.Cols < 1 {
			gr = planner.DefaultGrid(devices)
		}
		return planner.SimplePlan(g, devices, gr)
	}
}

func runRun(ctx context.Context, w, errw io.Writer, f runFlags) error {
	switch {
	case f.cluster != "" && (f.local > 0 || len(f.workers) > 0):
		return fmt.Errorf("run: --cluster says where the workers are: it excludes --local and --worker")
	case f.cluster != "" && f.plan == "":
		return fmt.Errorf("run: --cluster needs --plan FILE")
	case f.plan == "" && f.local == 0:
		return fmt.Errorf("run: give --local N or --plan FILE (see edgectl run --help)")
	case f.local < 0:
		return fmt.Errorf("run: --local %d: want a positive number of workers", f.local)
	case f.local > 0 && len(f.workers) > 0:
		return fmt.Errorf("run: --local and --worker exclude each other")
	case f.plan != "" && f.grid != "":
		return fmt.Errorf("run: --grid applies to the plan made for --local, not to --plan")
	case f.frames < 1:
		return fmt.Errorf("run: --frames %d: want at least 1", f.frames)
	}
	grid, err := parseGrid(f.grid)
	if err != nil {
		return err
	}
	g, err := importer.LoadFile(f.model, importer.Options{InputShapes: f.shapes})
	if err != nil {
		return err
	}
	inputs, err := readInputs(g, f.model, f.inputs, f.outputs)
	if err != nil {
		return err
	}
	cfg := coord.RunConfig{Graph: g, Planner: simplePlanner(grid), Workers: f.workers, Inputs: inputs, Frames: f.frames, Warmup: f.warmup,
		Session: coord.Options{TileTimeout: f.tileTimeout, NoMerge: f.noMerge, Window: f.window}}
	if f.local > 0 && f.grid == "" {
		cfg.Planner = localPlanner(ctx, f.threads, errw, w)
	}
	if f.plan != "" {
		data, err := os.ReadFile(f.plan)
		if err != nil {
			return err
		}
		if cfg.Plan, err = graphir.DecodePlanFile(f.plan, data); err != nil {
			return err
		}
	}
	if f.local > 0 {
		var logs io.Writer
		if f.verbose {
			logs = errw
		}
		local, err := LocalWorkers("", nil, nil, f.threads, logs)
		if err != nil {
			return err
		}
		cfg.Provider, cfg.Devices = local, f.local
	} else {
		var c *cluster.Cluster
		if f.cluster != "" {
			if c, err = cluster.Load(f.cluster); err != nil {
				return err
			}
			if cfg.Workers, err = clusterWorkers(c, cfg.Plan); err != nil {
				return fmt.Errorf("run: %w", err)
			}
		}
		a := authFlags{token: f.token, tokenFile: f.tokenFile, tlsCert: f.tlsCert, tlsKey: f.tlsKey, ca: f.ca}
		if cfg.Auth, err = workerAuth(a, c); err != nil {
			return fmt.Errorf("run: %w", err)
		}
	}
	if f.verbose {
		cfg.Session.Log = errw
	}
	if f.trace != "" {
		cfg.Session.Trace = coord.NewTrace()
	}
	res, err := coord.RunGraph(ctx, cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", f.model, err)
	}
	if f.trace != "" {
		if err := writeTrace(f.trace, cfg.Session.Trace); err != nil {
			return err
		}
	}
	out := res.Outputs[len(res.Outputs)-1]
	if err := printOutputs(w, g, out, f.outputs); err != nil {
		return err
	}
	fmt.Fprintf(w, "plan: %d stages\n", len(res.Plan.Stages))
	res.Report.Format(w)
	if err := printFidelity(ctx, w, errw, f, g, res.Plan, res.Report); err != nil {
		return err
	}
	if f.baseline {
		if err := runBaseline(ctx, w, cfg, res.Report); err != nil {
			return err
		}
	}
	if f.check {
		return checkOutputs(ctx, w, g, inputs, out)
	}
	return nil
}

// clusterWorkers maps each device of plan to its worker in c, as
// DEVICE=ADDR; every device the cluster lacks or has no address for is
// reported at once, with the file.
func clusterWorkers(c *cluster.Cluster, plan *graphir.Plan) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, st := range plan.Stages {
		for _, d := range st.Split.Devices {
			if !seen[d] {
				seen[d] = true
				ids = append(ids, d)
			}
		}
	}
	addrs, err := c.Addresses(ids)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range ids {
		out = append(out, d+"="+addrs[d])
	}
	return out, nil
}

// runBaseline runs cfg's frames on one local worker owning the whole model
// and prints the median latency of the partitioned run against it.
func runBaseline(ctx context.Context, w io.Writer, cfg coord.RunConfig, rep *coord.Report) error {
	if cfg.Provider == nil {
		return fmt.Errorf("run: --baseline needs --local N")
	}
	one := cfg
	one.Plan, one.Planner = nil, simplePlanner(planner.Grid{Rows: 1, Cols: 1})
	one.Devices = 1
	one.Session.Trace = nil
	res, err := coord.RunGraph(ctx, one)
	if err != nil {
		return fmt.Errorf("baseline on one worker: %w", err)
	}
	a, b := rep.MedianLatency(), res.Report.MedianLatency()
	fmt.Fprintf(w, "latency vs one worker: %v on %d workers, %v on 1 (speed-up %.2fx)\n",
		a.Round(time.Millisecond), cfg.Devices, b.Round(time.Millisecond), float64(b)/float64(max(a, 1)))
	return nil
}

func readInputs(g *graphir.Graph, model string, files, outputs []string) (map[string]*graphir.Tensor, error) {
	if len(files) != len(g.Inputs) {
		return nil, fmt.Errorf("%s has %d inputs, %d --input files given", model, len(g.Inputs), len(files))
	}
	if len(outputs) > 0 && len(outputs) != len(g.Outputs) {
		return nil, fmt.Errorf("%s has %d outputs, %d --output files given", model, len(g.Outputs), len(outputs))
	}
	inputs := map[string]*graphir.Tensor{}
	for i, p := range files {
		t, _, err := importer.ReadTensorFile(p)
		if err != nil {
			return nil, err
		}
		inputs[g.Inputs[i].Name] = t
	}
	return inputs, runtime.CheckInputs(g, inputs)
}

func writeTrace(path string, t *coord.Trace) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := t.WriteJSON(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// checkOutputs compares with a single-device run.
func checkOutputs(ctx context.Context, w io.Writer, g *graphir.Graph, inputs, got map[string]*graphir.Tensor) error {
	want, err := verify.Local(ctx, g, inputs)
	if err != nil {
		return err
	}
	bad := 0
	for _, v := range g.Outputs {
		o := verify.Compare(v.Name, got[v.Name], want[v.Name])
		status := "ok"
		if !o.OK {
			status, bad = "DIFFERS", bad+1
		}
		fmt.Fprintf(w, "check %s: max abs %.3g, max rel %.3g against one device: %s\n", v.Name, o.MaxAbs, o.MaxRel, status)
	}
	if bad > 0 {
		return exitError{1}
	}
	return nil
}

// printFidelity prints the plan's predicted stage times beside the measured
// ones, when there is a model of the workers: the local workers', or the
// cluster file's.
func printFidelity(ctx context.Context, w, errw io.Writer, f runFlags, g *graphir.Graph, plan *graphir.Plan, rep *coord.Report) error {
	var cl *planner.Cluster
	var err error
	switch {
	case f.local > 0:
		if cl, err = localCluster(ctx, f.local, f.threads, errw, false); err == nil {
			// A plan file's devices map to the local workers in order.
			var m map[string]int
			if m, err = coord.DeviceMap(plan, f.local); err == nil {
				for _, st := range plan.Stages {
					for _, name := range st.Split.Devices {
						cl.Devices[m[name]].Name = name
					}
				}
			}
		}
	case f.cluster != "":
		cl, err = loadPlanCluster(ctx, f.cluster, errw)
	default:
		return nil
	}
	if err != nil {
		fmt.Fprintf(w, "no prediction to compare with: %v\n", err)
		return nil
	}
	pred, err := planner.Predict(g, plan, cl)
	if err != nil {
		fmt.Fprintf(errw, "edgectl: no prediction to compare with: %v\n", err)
		return nil
	}
	return formatFidelity(w, pred, rep)
}
