package app

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/runtime"
)

type inferFlags struct {
	model   string
	inputs  []string
	outputs []string
	shapes  map[string]graphir.Shape
	threads int
	stats   bool
}

func inferCommand() *cli.Command {
	return &cli.Command{
		Name:      "infer",
		Usage:     "run a model on input tensors",
		ArgsUsage: "MODEL",
		Description: "MODEL is an ONNX or .edgeir file. Inputs and outputs are ONNX TensorProto files\n" +
			"(.pb) or NumPy files (.npy), given in the order of the model's inputs and outputs.\n" +
			"Without --output, prints each output's shape and first values.",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "input", Aliases: []string{"i"}, Usage: "input tensor `FILE` (.pb or .npy), one per model input", Required: true},
			&cli.StringSliceFlag{Name: "output", Aliases: []string{"o"}, Usage: "write output tensor to `FILE` (.pb or .npy), one per model output"},
			inputShapeFlag(),
			threadsFlag(),
			&cli.BoolFlag{Name: "stats", Usage: "print peak activation memory and which kernel ran each op kind"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			var f inferFlags
			f.threads, f.stats = int(cmd.Int("threads")), cmd.Bool("stats")
			var err error
			if f.model, err = oneArg(cmd, "model file"); err != nil {
				return err
			}
			f.inputs, f.outputs = cmd.StringSlice("input"), cmd.StringSlice("output")
			if f.shapes, err = parseInputShapes(cmd.StringSlice("input-shape")); err != nil {
				return err
			}
			return runInfer(ctx, cmd.Root().Writer, f)
		},
	}
}

func runInfer(ctx context.Context, w io.Writer, f inferFlags) error {
	g, err := importer.LoadFile(f.model, importer.Options{InputShapes: f.shapes})
	if err != nil {
		return err
	}
	if len(f.inputs) != len(g.Inputs) {
		return fmt.Errorf("%s has %d inputs, %d --input files given", f.model, len(g.Inputs), len(f.inputs))
	}
	if len(f.outputs) > 0 && len(f.outputs) != len(g.Outputs) {
		return fmt.Errorf("%s has %d outputs, %d --output files given", f.model, len(g.Outputs), len(f.outputs))
	}
	inputs := map[string]*graphir.Tensor{}
	for i, p := range f.inputs {
		t, _, err := importer.ReadTensorFile(p)
		if err != nil {
			return err
		}
		inputs[g.Inputs[i].Name] = t
	}
	e, err := runtime.NewWithOptions(g, runtime.Options{Threads: f.threads})
	if err != nil {
		return fmt.Errorf("%s: %w", f.model, err)
	}
	start := time.Now()
	outs, err := e.Run(ctx, inputs)
	if err != nil {
		return fmt.Errorf("%s: %w", f.model, err)
	}
	elapsed := time.Since(start)
	for i, v := range g.Outputs {
		t := outs[v.Name]
		if len(f.outputs) > 0 {
			if err := importer.WriteTensorFile(f.outputs[i], t, v.Name); err != nil {
				return err
			}
			fmt.Fprintf(w, "output %s %v -> %s\n", v.Name, t.Shape, f.outputs[i])
			continue
		}
		fmt.Fprintf(w, "output %s %s%v %s\n", v.Name, t.DType, t.Shape, preview(t))
	}
	fmt.Fprintf(w, "inference took %v\n", elapsed.Round(time.Microsecond))
	if f.stats {
		printStats(w, e)
	}
	return nil
}

func printStats(w io.Writer, e *runtime.Executor) {
	fmt.Fprintf(w, "peak activation memory: %d bytes (%.1f MB)\n", e.PeakActivationBytes(), float64(e.PeakActivationBytes())/1e6)
	counts := map[string]int{}
	var keys []string
	for i, n := range e.Graph().Nodes {
		k := n.Op.String() + " -> " + e.KernelName(i)
		if counts[k] == 0 {
			keys = append(keys, k)
		}
		counts[k]++
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "kernel %s: %d nodes\n", k, counts[k])
	}
}

func preview(t *graphir.Tensor) string {
	const n = 6
	s := "["
	for i := 0; i < t.Len() && i < n; i++ {
		if i > 0 {
			s += " "
		}
		if t.DType == graphir.Int64 {
			s += fmt.Sprint(t.I[i])
		} else {
			s += fmt.Sprintf("%.5g", t.F[i])
		}
	}
	if t.Len() > n {
		s += " ..."
	}
	return s + "]"
}
