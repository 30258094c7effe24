package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/planner/chart"
	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/planner/costmodel"
)

type simulateFlags struct {
	model           string
	devices         string
	networks        []string
	cpu             float64
	classes         string
	medium          string
	rtt, perMessage string
	strategies      []string
	csv, png        string
	shapes          map[string]graphir.Shape
	objective       string
}

func simulateCommand() *cli.Command {
	return &cli.Command{
		Name:      "simulate",
		Usage:     "predict the speed-up of each planning strategy over device counts and networks",
		ArgsUsage: "MODEL",
		Description: "Predicts, with the planner's cost model, the single-frame latency of MODEL and its\n" +
			"speed-up against one device for every number of --devices (a range 1-8 or a list)\n" +
			"and every --network bandwidth, for each strategy: ours (the planner's search),\n" +
			"layerwise (every layer split across all devices, MoDNN's approach), fixed-grid (the\n" +
			"first 16 layers fused in a fixed grid, the rest on one device, DeepThings') and\n" +
			"single (one device). Devices are of one class of speed --cpu F (a fraction of one\n" +
			"core of this machine), or the first N of --class NAME=COUNT:F,... in order; their\n" +
			"latency model is this machine's profile (measured once and cached) scaled by F.\n" +
			"Writes --csv (model,devices,network,strategy,predicted_ms,speedup) and --png (the\n" +
			"published figure's shape: a panel per network, a line per strategy).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "devices", Value: "1-8", Usage: "device counts `N`: a range 1-8 or a list 1,2,4,8"},
			&cli.StringSliceFlag{Name: "network", Value: []string{"10mbit", "100mbit", "1gbit"}, Usage: "bandwidths `RATE` in tc's units (repeatable or comma-separated)"},
			&cli.FloatFlag{Name: "cpu", Value: 1, Usage: "speed `F` of every device, a fraction of one core of this machine"},
			&cli.StringFlag{Name: "class", Usage: "device classes `NAME=COUNT:F,...` in order, e.g. a=3:0.3,b=3:0.225,c=2:0.15"},
			&cli.StringFlag{Name: "medium", Value: cluster.Shared, Usage: "`shared` medium (WiFi) or switched"},
			&cli.StringFlag{Name: "rtt", Value: "2ms", Usage: "round trip `D` of a call to a device"},
			&cli.StringFlag{Name: "per-message", Value: "2ms", Usage: "fixed cost `D` of one message, on top of its bytes"},
			&cli.StringSliceFlag{Name: "strategy", Usage: "strategies to compare (default: all)"},
			&cli.StringFlag{Name: "objective", Value: "latency", Usage: "`latency` or throughput (ours only)"},
			&cli.StringFlag{Name: "csv", Usage: "write the points to `FILE`"},
			&cli.StringFlag{Name: "png", Usage: "draw the speed-ups to `FILE`"},
			inputShapeFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.IsSet("cpu") && cmd.IsSet("class") {
				return errors.New("simulate: --cpu and --class exclude each other")
			}
			f := simulateFlags{devices: cmd.String("devices"), networks: splitList(cmd.StringSlice("network")),
				cpu: cmd.Float("cpu"), classes: cmd.String("class"), medium: cmd.String("medium"), rtt: cmd.String("rtt"),
				perMessage: cmd.String("per-message"), strategies: splitList(cmd.StringSlice("strategy")),
				csv: cmd.String("csv"), png: cmd.String("png"), objective: cmd.String("objective")}
			var err error
			if f.model, err = oneArg(cmd, "model file"); err != nil {
				return err
			}
			if f.shapes, err = parseInputShapes(cmd.StringSlice("input-shape")); err != nil {
				return err
			}
			return runSimulate(ctx, cmd.Root().Writer, cmd.Root().ErrWriter, f)
		},
	}
}

func runSimulate(ctx context.Context, w, errw io.Writer, f simulateFlags) error {
	counts, err := parseCounts(f.devices)
	if err != nil {
		return err
	}
	strategies := planner.Strategies
	if len(f.strategies) > 0 {
		strategies = nil
		for _, s := range f.strategies {
			strategies = append(strategies, planner.Strategy(s))
		}
	}
	classes := []cluster.ExampleClass{{Name: "cpu", Count: counts[len(counts)-1], Speed: f.cpu}}
	if f.classes != "" {
		if classes, err = parseClasses(f.classes); err != nil {
			return fmt.Errorf("simulate: %w", err)
		}
	}
	rtt, err := cluster.ParseDuration(f.rtt)
	if err != nil {
		return fmt.Errorf("simulate: --rtt: %w", err)
	}
	msg, err := cluster.ParseDuration(f.perMessage)
	if err != nil {
		return fmt.Errorf("simulate: --per-message: %w", err)
	}
	g, err := importer.LoadFile(f.model, importer.Options{InputShapes: f.shapes})
	if err != nil {
		return err
	}
	local := func(threads int) (*costmodel.Profile, error) { return localProfile(ctx, threads, errw) }
	model := strings.TrimSuffix(baseName(f.model), ".onnx")
	var pts []chart.Point
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "devices\tnetwork\tstrategy\tpredicted ms\tspeed-up\tstages\t")
	for _, network := range f.networks {
		bw, err := cluster.ParseBandwidth(network)
		if err != nil {
			return fmt.Errorf("simulate: --network %q: %w", network, err)
		}
		for _, n := range counts {
			c, err := simCluster(classes, n, bw, rtt, msg, f.medium)
			if err != nil {
				return err
			}
			cl, err := planner.FromCluster(c, nil, local)
			if err != nil {
				return err
			}
			for _, s := range strategies {
				res, err := planner.PlanWith(g, cl, s, planner.Options{Objective: planner.Objective(f.objective)})
				if err != nil {
					return fmt.Errorf("simulate: %s on %d devices, %s: %w", s, n, network, err)
				}
				p := chart.Point{Model: model, Devices: n, Network: network, Strategy: string(s),
					Predicted: res.Latency * 1e3, Speedup: res.Single / res.Latency}
				pts = append(pts, p)
				fmt.Fprintf(tw, "%d\t%s\t%s\t%.1f\t%.2fx\t%d\t\n", n, network, s, p.Predicted, p.Speedup, len(res.Plan.Stages))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if f.csv != "" {
		if err := writeFile(f.csv, func(out io.Writer) error { return chart.WriteCSV(out, pts, false) }); err != nil {
			return err
		}
	}
	if f.png != "" {
		if err := writeFile(f.png, func(out io.Writer) error { return chart.WritePNG(out, model, pts) }); err != nil {
			return err
		}
	}
	return nil
}

// simCluster is the first n devices of classes (in order) on one network.
func simCluster(classes []cluster.ExampleClass, n int, bw cluster.Bandwidth, rtt, msg cluster.Duration, medium string) (*cluster.Cluster, error) {
	c := &cluster.Cluster{APIVersion: cluster.APIVersion, Kind: cluster.Kind,
		Network: cluster.Network{Medium: medium, Bandwidth: bw, RTT: rtt, PerMessage: max(msg, rtt)}}
	for _, cl := range classes {
		if len(c.Devices) >= n {
			break
		}
		c.Classes = append(c.Classes, cluster.Class{Name: cl.Name, Speed: cl.Speed})
		for i := 0; i < cl.Count && len(c.Devices) < n; i++ {
			c.Devices = append(c.Devices, cluster.Device{Name: fmt.Sprintf("%s-%d", cl.Name, i), Class: cl.Name, Address: "127.0.0.1:1"})
		}
	}
	if len(c.Devices) < n {
		return nil, fmt.Errorf("simulate: %d devices wanted, the classes have %d", n, len(c.Devices))
	}
	return c, c.Validate()
}

// parseCounts reads 1-8 or 1,2,4,8.
func parseCounts(s string) ([]int, error) {
	bad := fmt.Errorf("simulate: --devices %q: want a range 1-8 or a list 1,2,4,8", s)
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 1 || b < a || b > 62 {
			return nil, bad
		}
		var out []int
		for n := a; n <= b; n++ {
			out = append(out, n)
		}
		return out, nil
	}
	var out []int
	for _, x := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil || n < 1 || n > 62 || (len(out) > 0 && n <= out[len(out)-1]) {
			return nil, bad
		}
		out = append(out, n)
	}
	return out, nil
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, "/\\"); i >= 0 {
		return p[i+1:]
	}
	return p
}
