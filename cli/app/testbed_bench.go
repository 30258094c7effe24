package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/kube/containers"
	"github.com/edgectl/edgectl/kube/testbed"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/planner/chart"
	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/profile"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

type testbedBenchFlags struct {
	testbedFlags
	model, input   string
	counts         []int
	networks       []string
	strategies     []string
	frames, stream int
	alternatives   int
	csv, png       string
	keep           bool
	shapes         map[string]graphir.Shape
}

func testbedBenchCommand() *cli.Command {
	flags := append(testbedSetupFlags("network `RATES` in tc's units, comma-separated (10mbit,100mbit,1gbit)"),
		&cli.StringFlag{Name: "input", Aliases: []string{"i"}, Usage: "input tensor `FILE` (.pb or .npy; default: random, seeded)"},
		&cli.StringFlag{Name: "counts", Aliases: []string{"n"}, Value: "1,2,4,8", Usage: "device counts `N,...` to measure (the first N devices)"},
		&cli.StringSliceFlag{Name: "strategy", Usage: "strategies to measure: ours, layerwise, fixed-grid, single, even (default: ours,layerwise,fixed-grid,single)"},
		&cli.IntFlag{Name: "frames", Value: 5, Usage: "frames `K` run one at a time for the single-frame latency (median)"},
		&cli.IntFlag{Name: "stream", Value: 10, Usage: "frames `K` streamed for the throughput (0: none)"},
		&cli.IntFlag{Name: "alternatives", Usage: "also measure the `K` next-best plans at the largest count (plan regret)"},
		&cli.StringFlag{Name: "csv", Usage: "write the points to `FILE`"},
		&cli.StringFlag{Name: "png", Usage: "draw the measured speed-ups to `FILE`"},
		&cli.BoolFlag{Name: "keep", Usage: "leave the testbed up afterwards (edgectl testbed down --dir DIR removes it)"},
		inputShapeFlag(),
	)
	for _, f := range flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Name == "bandwidth" {
			sf.Value = "10mbit,100mbit,1gbit"
		}
		if sf, ok := f.(*cli.StringFlag); ok && sf.Name == "dir" {
			sf.Usage = "the bench testbed's `DIR` (default ~/.cache/edgectl/testbed-bench)"
		}
	}
	return &cli.Command{
		Name:      "bench",
		Usage:     "measure distributed speed-ups of a model on a testbed made for the purpose",
		ArgsUsage: "MODEL",
		Description: "Makes a testbed of the largest --counts devices (or the --class list), profiles each\n" +
			"class in place, and for every --bandwidth, device count and --strategy plans MODEL on\n" +
			"the measured cluster, starts the devices afresh, runs --frames frames one at a time\n" +
			"(single-frame latency, median) and --stream frames streamed (throughput), checks the\n" +
			"outputs against one device and reads each worker's peak memory (VmHWM). Speed-ups are\n" +
			"against one device of the first class on the same network, measured in the same run.\n" +
			"Prints a row per point as it goes; --csv writes model,devices,network,strategy,\n" +
			"predicted_ms,measured_ms,speedup and more columns, --png the speed-ups. --strategy even\n" +
			"plans as if all devices were as fast as the first (against the search on heterogeneous\n" +
			"classes); --alternatives K measures the K next-best plans too (regret). The testbed\n" +
			"is removed at the end unless --keep.",
		Flags: flags,
		Action: func(ctx context.Context, cmd *cli.Command) error {
			tf, err := readTestbedFlags(cmd)
			if err != nil {
				return err
			}
			if !cmd.IsSet("dir") {
				tf.dir = defaultTestbedDir("testbed-bench")
			}
			f := testbedBenchFlags{testbedFlags: tf, input: cmd.String("input"), networks: splitList([]string{tf.bandwidth}),
				strategies: splitList(cmd.StringSlice("strategy")), frames: int(cmd.Int("frames")), stream: int(cmd.Int("stream")),
				alternatives: int(cmd.Int("alternatives")), csv: cmd.String("csv"), png: cmd.String("png"), keep: cmd.Bool("keep")}
			if f.model, err = oneArg(cmd, "model file"); err != nil {
				return err
			}
			if f.counts, err = parseCounts(cmd.String("counts")); err != nil {
				return fmt.Errorf("testbed bench: %w", err)
			}
			if f.shapes, err = parseInputShapes(cmd.StringSlice("input-shape")); err != nil {
				return err
			}
			if !cmd.IsSet("devices") && !cmd.IsSet("class") {
				f.devices = slices.Max(f.counts)
			}
			return runTestbedBench(ctx, cmd.Root().Writer, cmd.Root().ErrWriter, f)
		},
	}
}

func runTestbedBench(ctx context.Context, w, errw io.Writer, f testbedBenchFlags) (err error) {
	var nets []testbed.BenchNetwork
	for _, n := range f.networks {
		bw, err := cluster.ParseBandwidth(n)
		if err != nil {
			return fmt.Errorf("testbed bench: --bandwidth %q: %w", n, err)
		}
		nets = append(nets, testbed.BenchNetwork{Name: n, Bits: int64(bw)})
	}
	strategies := []planner.Strategy{planner.Ours, planner.Layerwise, planner.FixedGrid, planner.Single}
	if len(f.strategies) > 0 {
		strategies = nil
		for _, s := range f.strategies {
			if !slices.Contains(append(slices.Clone(planner.Strategies), testbed.Even), planner.Strategy(s)) {
				return fmt.Errorf("testbed bench: --strategy %q: want ours, layerwise, fixed-grid, single or even", s)
			}
			strategies = append(strategies, planner.Strategy(s))
		}
	}
	g, err := importer.LoadFile(f.model, importer.Options{InputShapes: f.shapes})
	if err != nil {
		return err
	}
	inputs, err := profile.RandomInputs(g, 1)
	if f.input != "" {
		inputs, err = readInputs(g, f.model, []string{f.input}, nil)
	}
	if err != nil {
		return err
	}
	f.bandwidth = f.networks[0]
	cfg, err := testbedConfig(ctx, errw, f.testbedFlags)
	if err != nil {
		return err
	}
	cfg.Bandwidth = nets[0].Bits
	if n := testbed.DeviceCount(cfg.Classes); n < slices.Max(f.counts) {
		return fmt.Errorf("testbed bench: --counts up to %d, but the testbed has %d devices", slices.Max(f.counts), n)
	}
	tb, err := testbed.Create(ctx, cfg)
	if err != nil {
		return testbedError(err)
	}
	if !f.keep {
		defer func() {
			if derr := testbed.Down(context.WithoutCancel(ctx), cfg.Dir, nil, errw); derr != nil {
				err = errors.Join(err, derr)
			}
		}()
	}
	bc := testbed.BenchConfig{Model: strings.TrimSuffix(baseName(f.model), ".onnx"), Graph: g, Inputs: inputs, Counts: f.counts,
		Networks: nets, Strategies: strategies, Frames: f.frames, Stream: f.stream, Alternatives: f.alternatives,
		Progress: func(line string) { fmt.Fprintln(errw, line) },
		Probe:    benchProbe, Local: func(threads int) (*costmodel.Profile, error) { return localProfile(ctx, threads, errw) }}
	if !f.noProfile {
		if bc.Profiles, err = benchProfiles(ctx, errw, tb, f); err != nil {
			return err
		}
	}
	const row = "%7v  %-8s  %-10s  %9v  %9v  %11v  %8v  %8v  %9v  %8v  %12v  %-7s  %s\n"
	fmt.Fprintf(w, row, "devices", "network", "strategy", "predicted", "measured", "range", "speed-up", "frames/s", "stream x", "MB/frame", "peak MB max", "check", "plan")
	bc.Point = func(p testbed.BenchPoint) {
		num := func(ok bool, format string, x float64) string {
			if !ok {
				return "-"
			}
			return fmt.Sprintf(format, x)
		}
		m := p.MeasuredMs > 0
		plan := p.Plan
		if p.Same {
			plan = "= " + plan
		}
		fmt.Fprintf(w, row, p.Devices, p.Network, strategyLabel(p), fmt.Sprintf("%.0f ms", p.PredictedMs), num(m, "%.0f ms", p.MeasuredMs),
			rangeOf(p), num(m, "%.2fx", p.Speedup), num(p.PeriodMs > 0, "%.2f", 1e3/p.PeriodMs),
			num(p.ThroughputSpeedup > 0, "%.2fx", p.ThroughputSpeedup), num(m, "%.2f", p.WireBytes/1e6), num(len(p.Memory) > 0, "%.0f", maxPeak(p.Memory)/1e6), okLabel(p), plan)
	}
	pts, err := tb.Bench(ctx, bc)
	if r, ok := testbed.Regret(pts); ok {
		fmt.Fprintf(w, "regret: the plan chosen measured %.1f%% slower than the fastest of its %d alternatives\n", 100*r, f.alternatives)
	}
	printMemory(w, pts)
	printStages(w, pts)
	if werr := writeBench(f, pts); werr != nil {
		err = errors.Join(err, werr)
	}
	return err
}

// benchProfiles profiles every class of the bench's testbed in place
// (taken from the cache of earlier runs when there).
func benchProfiles(ctx context.Context, errw io.Writer, tb *testbed.Testbed, f testbedBenchFlags) (map[string]*costmodel.Profile, error) {
	fl, err := tb.Provider().StartDevices(ctx, testbed.DeviceCount(tb.State().Classes))
	if err != nil {
		return nil, err
	}
	defer fl.Close()
	return tb.ProfileClasses(ctx, fl, defaultTestbedDir("testbed-profiles"), f.reprofile, profileProgress(errw))
}

func rangeOf(p testbed.BenchPoint) string {
	if p.MeasuredMs <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f-%.0f", p.MinMs, p.MaxMs)
}

func strategyLabel(p testbed.BenchPoint) string {
	if p.Rank > 0 {
		return fmt.Sprintf("alt %d", p.Rank)
	}
	return p.Strategy
}

func okLabel(p testbed.BenchPoint) string {
	switch {
	case p.Err != "":
		return "error"
	case p.OK:
		return "ok"
	}
	return "DIFFERS"
}

func maxPeak(us []containers.MemoryUse) float64 {
	m := 0.0
	for _, u := range us {
		m = max(m, float64(u.PeakRSS))
	}
	return m
}

// printMemory prints each device's peak memory (after the single frames,
// and after streaming) beside the plan's prediction of its weights and
// activations.
func printMemory(w io.Writer, pts []testbed.BenchPoint) {
	fmt.Fprintln(w, "peak memory per device, MB: measured VmHWM after single frames / after streaming too / predicted weights, activations and kernel scratch")
	for _, p := range pts {
		if len(p.Memory) == 0 || p.Rank > 0 || (p.Strategy == string(planner.Single) && p.Devices > 1) || (p.Devices == 1 && p.Strategy != string(planner.Single)) {
			continue
		}
		var cells []string
		for i, u := range p.Memory {
			pred, stream := 0.0, 0.0
			if i < len(p.PredictedMemory) {
				pred = p.PredictedMemory[i]
			}
			if i < len(p.StreamMemory) {
				stream = float64(p.StreamMemory[i].PeakRSS)
			}
			cells = append(cells, fmt.Sprintf("%.0f/%.0f/%.0f", float64(u.PeakRSS)/1e6, stream/1e6, pred/1e6))
		}
		fmt.Fprintf(w, "  %d %s %s: %s\n", p.Devices, p.Network, p.Strategy, strings.Join(cells, " "))
	}
}

// printStages prints, for the search's plans, each stage's predicted and
// measured times per frame (where the time goes).
func printStages(w io.Writer, pts []testbed.BenchPoint) {
	for _, p := range pts {
		if p.Strategy != string(planner.Ours) || p.Same || p.Devices == 1 || len(p.Stages) == 0 || p.Err != "" {
			continue
		}
		fmt.Fprintf(w, "stages of ours on %d devices, %s (ms a frame; measured: the coordinator's span, and the workers' times summed over the stage's jobs):\n", p.Devices, p.Network)
		fmt.Fprintf(w, "  %-5s %-9s %-12s %9s %9s %9s | %9s %9s %9s %9s %9s %7s\n", "stage", "mode", "split", "pred", "pred comp", "pred comm", "measured", "compute", "send", "wait", "queue", "MB in")
		for _, s := range p.Stages {
			fmt.Fprintf(w, "  %-5s %-9s %-12s %9.1f %9.1f %9.1f | %9.1f %9.1f %9.1f %9.1f %9.1f %7.2f\n", s.Name, s.Mode, s.Split, s.PredTotal, s.PredCompute, s.PredComm,
				s.Time, s.Compute, s.Send, s.Wait, s.Queue, s.MBIn)
		}
		var cpu []string
		for _, c := range p.CPUMs {
			cpu = append(cpu, fmt.Sprintf("%.0f", c))
		}
		fmt.Fprintf(w, "  CPU ms a frame per device: %s (of %.0f ms a frame)\n", strings.Join(cpu, " "), p.MeasuredMs)
	}
}

// writeBench writes --csv and --png.
func writeBench(f testbedBenchFlags, pts []testbed.BenchPoint) error {
	var cps []chart.Point
	for _, p := range pts {
		var peaks, streams, preds, cpus []string
		for _, c := range p.CPUMs {
			cpus = append(cpus, strconv.FormatFloat(c, 'f', 1, 64))
		}
		for i, u := range p.Memory {
			peaks = append(peaks, strconv.FormatFloat(float64(u.PeakRSS)/1e6, 'f', 1, 64))
			if i < len(p.StreamMemory) {
				streams = append(streams, strconv.FormatFloat(float64(p.StreamMemory[i].PeakRSS)/1e6, 'f', 1, 64))
			}
			if i < len(p.PredictedMemory) {
				preds = append(preds, strconv.FormatFloat(p.PredictedMemory[i]/1e6, 'f', 1, 64))
			}
		}
		ff := func(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }
		cps = append(cps, chart.Point{Model: p.Model, Devices: p.Devices, Network: p.Network, Strategy: strategyLabel(p),
			Predicted: p.PredictedMs, Measured: p.MeasuredMs, Speedup: p.Speedup,
			Extra: []string{ff(p.MinMs), ff(p.MaxMs), ff(p.PredictedPeriodMs), ff(p.PeriodMs), ff(p.ThroughputSpeedup),
				ff(p.WireBytes / 1e6), strings.Join(peaks, ";"), strings.Join(streams, ";"), strings.Join(preds, ";"), strings.Join(cpus, ";"), okLabel(p), p.Plan}})
	}
	if f.csv != "" {
		err := writeFile(f.csv, func(out io.Writer) error {
			return chart.WriteCSV(out, cps, true, "min_ms", "max_ms", "predicted_period_ms", "period_ms", "throughput_speedup",
				"wire_mb_per_frame", "peak_rss_mb", "peak_rss_stream_mb", "predicted_mem_mb", "cpu_ms_per_frame", "check", "plan")
		})
		if err != nil {
			return err
		}
	}
	if f.png != "" {
		var main []chart.Point
		for _, p := range cps {
			if !strings.HasPrefix(p.Strategy, "alt") && p.Measured > 0 {
				main = append(main, p)
			}
		}
		title := fmt.Sprintf("%s on the testbed (measured)", cps[0].Model)
		return writeFile(f.png, func(out io.Writer) error { return chart.WritePNG(out, title, main) })
	}
	return nil
}

// benchProbe is how the bench probes each network: netprobe's sizes and
// repeats. Fewer (3 repeats up to 1 MiB) gave per-message costs of 1.65 to
// 13.9 ms between 0.2-core containers on one network from run to run, and
// the plans follow that cost (the search used 4 of 8 devices at 9.5 ms).
var benchProbe = coord.ProbeOptions{Repeats: 5}
