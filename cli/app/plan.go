package app

import (
	"context"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/planner/costmodel"
)

type planFlags struct {
	model, cluster string
	objective      string
	output, trace  string
	minGain        float64
	shapes         map[string]graphir.Shape
}

func planCommand() *cli.Command {
	return &cli.Command{
		Name:      "plan",
		Usage:     "choose how a model is split over the devices of a cluster file",
		ArgsUsage: "MODEL",
		Description: "Searches, segment by segment between the model's cut points, for the split of\n" +
			"MODEL over the devices of --cluster FILE that minimises the predicted latency of\n" +
			"one frame (--objective latency) or the time between streamed frames (throughput):\n" +
			"one device, a fused block in a grid of tiles sized to the devices' speeds, or layer\n" +
			"by layer split by rows or output channels. Predictions come from each class's\n" +
			"latency profile (`edgectl profile`; a class without one uses this machine's,\n" +
			"measured once and cached, scaled by its speed) and the file's network. Prints a\n" +
			"table per stage beside the one-device latency and the time the search took,\n" +
			"writes the plan (YAML) for `edgectl run --plan`, and with --trace the predicted\n" +
			"schedule as a Perfetto trace like `edgectl run --trace` writes.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "cluster", Usage: "cluster `FILE` (kind Cluster)", Required: true},
			&cli.StringFlag{Name: "objective", Value: "latency", Usage: "`latency` of one frame, or throughput of streamed frames"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the plan to `FILE` (YAML; .json for JSON)"},
			&cli.StringFlag{Name: "trace", Usage: "write the predicted schedule as a Perfetto trace `FILE`"},
			&cli.Float64Flag{Name: "min-gain", Value: planner.DefaultMinGain, Usage: "run on one device unless a split is predicted to save at least `F` of its latency (0.1: 10%; a saving within the cost model's error can be a loss; negative: any saving)"},
			inputShapeFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			f := planFlags{cluster: cmd.String("cluster"), objective: cmd.String("objective"),
				output: cmd.String("output"), trace: cmd.String("trace"), minGain: cmd.Float64("min-gain")}
			if f.minGain == 0 {
				f.minGain = -1
			}
			var err error
			if f.model, err = oneArg(cmd, "model file"); err != nil {
				return err
			}
			if f.shapes, err = parseInputShapes(cmd.StringSlice("input-shape")); err != nil {
				return err
			}
			return runPlan(ctx, cmd.Root().Writer, cmd.Root().ErrWriter, f)
		},
	}
}

func runPlan(ctx context.Context, w, errw io.Writer, f planFlags) error {
	obj := planner.Objective(f.objective)
	if obj != planner.Latency && obj != planner.Throughput {
		return fmt.Errorf("plan: --objective %q: want latency or throughput", f.objective)
	}
	g, err := importer.LoadFile(f.model, importer.Options{InputShapes: f.shapes})
	if err != nil {
		return err
	}
	cl, err := loadPlanCluster(ctx, f.cluster, errw)
	if err != nil {
		return err
	}
	// The import leaves the copies it made of the weights (decoded,
	// folded) as garbage, with the heap at its high-water mark, so no
	// collection would run during the search and every page the search
	// allocates would be a fresh one to fault in (YOLOv2: 19 MB, 4900
	// faults, half the search's CPU time). A collection first (4-5 ms)
	// lets it reuse that memory; the time printed includes it.
	start := time.Now()
	goruntime.GC()
	res, err := planner.Plan(g, cl, planner.Options{Objective: obj, MinGain: f.minGain})
	if err != nil {
		return fmt.Errorf("%s: %w", f.model, err)
	}
	elapsed := time.Since(start)
	if err := res.Format(w); err != nil {
		return err
	}
	fmt.Fprintf(w, "planned in %d ms\n", elapsed.Milliseconds())
	if f.output != "" {
		if err := writePlan(f.output, res.Plan); err != nil {
			return err
		}
		fmt.Fprintf(w, "plan: %s\n", f.output)
	}
	if f.trace != "" {
		if err := writeFile(f.trace, res.WriteTrace); err != nil {
			return err
		}
		fmt.Fprintf(w, "predicted schedule: %s (open it in Perfetto)\n", f.trace)
	}
	return nil
}

// loadPlanCluster reads a cluster file and the profiles of its classes:
// a class without one uses this machine's, measured once and cached.
func loadPlanCluster(ctx context.Context, path string, errw io.Writer) (*planner.Cluster, error) {
	c, err := cluster.Load(path)
	if err != nil {
		return nil, err
	}
	profiles, err := c.Profiles(nil)
	if err != nil {
		return nil, err
	}
	return planner.FromCluster(c, profiles, func(threads int) (*costmodel.Profile, error) {
		return localProfile(ctx, threads, errw)
	})
}

// writePlan writes p as YAML, or JSON for a .json file.
func writePlan(path string, p *graphir.Plan) error {
	enc := p.EncodeYAML
	if strings.HasSuffix(path, ".json") {
		enc = p.Encode
	}
	b, err := enc()
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// writeFile creates path and writes it with write.
func writeFile(path string, write func(io.Writer) error) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(out); err != nil {
		out.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return out.Close()
}
