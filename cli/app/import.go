package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
)

type importFlags struct {
	model  string
	output string
	json   bool
	shapes map[string]graphir.Shape
}

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "validate, fold and shape-check an ONNX model; print its layers",
		ArgsUsage: "MODEL.onnx",
		Description: "Prints one row per layer (name, op, output shape, FLOPs, parameters) and totals.\n" +
			"With -o, writes the imported graph as an .edgeir file (docs/edgeir.md), which every\n" +
			"command accepts in place of the ONNX file and which loads faster.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the imported graph to `FILE.edgeir`"},
			&cli.BoolFlag{Name: "json", Usage: "print the layer table as JSON"},
			inputShapeFlag(),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			var f importFlags
			var err error
			if f.model, err = oneArg(cmd, "model file"); err != nil {
				return err
			}
			f.output, f.json = cmd.String("output"), cmd.Bool("json")
			if f.shapes, err = parseInputShapes(cmd.StringSlice("input-shape")); err != nil {
				return err
			}
			return runImport(cmd.Root().Writer, f)
		},
	}
}

func runImport(w io.Writer, f importFlags) error {
	g, err := importer.LoadFile(f.model, importer.Options{InputShapes: f.shapes})
	if err != nil {
		return err
	}
	if f.output != "" {
		if err := writeEdgeIR(f.output, g); err != nil {
			return err
		}
	}
	if f.json {
		return printLayersJSON(w, g)
	}
	printLayers(w, g)
	if f.output != "" {
		fmt.Fprintf(w, "wrote %s\n", f.output)
	}
	return nil
}

func writeEdgeIR(path string, g *graphir.Graph) error {
	// Write beside the target and rename, so a failure never leaves a
	// truncated file where a good one is expected.
	tmp := path + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := importer.WriteEdgeIR(out, g); err != nil {
		out.Close()
		os.Remove(tmp)
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

func printLayers(w io.Writer, g *graphir.Graph) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "name\top\toutput shape\tMFLOPs\tparams\t")
	for _, n := range g.Nodes {
		shape := ""
		if len(n.Outputs) > 0 && n.Outputs[0] != nil {
			shape = n.Outputs[0].Shape.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%d\t\n", n.Name, n.Op, shape, float64(n.Cost.FLOPs)/1e6, n.Cost.ParamBytes/4)
	}
	tw.Flush()
	t := g.Totals()
	fmt.Fprintf(w, "total: %d layers, %.3f GFLOPs, %d parameters (%.1f MB), %.1f MB of activations\n",
		len(g.Nodes), float64(t.FLOPs)/1e9, t.ParamBytes/4, float64(t.ParamBytes)/1e6, float64(t.ActBytes)/1e6)
	for _, v := range g.Inputs {
		fmt.Fprintf(w, "input  %s %s%v\n", v.Name, v.DType, v.Shape)
	}
	for _, v := range g.Outputs {
		fmt.Fprintf(w, "output %s %s%v\n", v.Name, v.DType, v.Shape)
	}
}

type layerJSON struct {
	Name   string `json:"name"`
	Op     string `json:"op"`
	Shape  []int  `json:"output_shape"`
	FLOPs  int64  `json:"flops"`
	Params int64  `json:"params"`
}

type tensorJSON struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
}

func printLayersJSON(w io.Writer, g *graphir.Graph) error {
	var doc struct {
		Layers  []layerJSON  `json:"layers"`
		Inputs  []tensorJSON `json:"inputs"`
		Outputs []tensorJSON `json:"outputs"`
		Totals  struct {
			Layers   int   `json:"layers"`
			FLOPs    int64 `json:"flops"`
			Params   int64 `json:"params"`
			ActBytes int64 `json:"activation_bytes"`
		} `json:"totals"`
	}
	doc.Layers = []layerJSON{}
	for _, n := range g.Nodes {
		l := layerJSON{Name: n.Name, Op: n.Op.String(), FLOPs: n.Cost.FLOPs, Params: n.Cost.ParamBytes / 4, Shape: []int{}}
		if len(n.Outputs) > 0 && n.Outputs[0] != nil {
			l.Shape = append(l.Shape, n.Outputs[0].Shape...)
		}
		doc.Layers = append(doc.Layers, l)
	}
	for _, v := range g.Inputs {
		doc.Inputs = append(doc.Inputs, tensorJSON{v.Name, v.DType.String(), append([]int{}, v.Shape...)})
	}
	for _, v := range g.Outputs {
		doc.Outputs = append(doc.Outputs, tensorJSON{v.Name, v.DType.String(), append([]int{}, v.Shape...)})
	}
	t := g.Totals()
	doc.Totals.Layers, doc.Totals.FLOPs, doc.Totals.Params, doc.Totals.ActBytes = len(g.Nodes), t.FLOPs, t.ParamBytes/4, t.ActBytes
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
