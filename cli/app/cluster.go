package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/planner/cluster"
)

type clusterExampleFlags struct {
	devices   int
	cpu       float64
	classes   string
	bandwidth string
	medium    string
	output    string
}

func clusterCommand() *cli.Command {
	return &cli.Command{
		Name:  "cluster",
		Usage: "write cluster files (devices, classes, network)",
		Commands: []*cli.Command{{
			Name:  "example",
			Usage: "write a commented cluster file to start from",
			Description: "Writes a valid cluster file (apiVersion edgectl.dev/v1alpha1, kind Cluster) with\n" +
				"comments on every section: --devices N devices named dev-0, dev-1, ... at placeholder\n" +
				"addresses 127.0.0.1:7070+i (edit them), of one class whose speed is --cpu F (a device's\n" +
				"speed as a fraction of one core of this machine), or of the classes --class\n" +
				"NAME=COUNT:F,...; the network's --bandwidth and --medium. It does not overwrite a file.",
			Flags: []cli.Flag{
				&cli.IntFlag{Name: "devices", Usage: "number of devices `N` (with --class: their sum, or leave it out)"},
				&cli.FloatFlag{Name: "cpu", Usage: "speed `F` of every device, a fraction of one core of this machine (default 1)"},
				&cli.StringFlag{Name: "class", Usage: "classes `NAME=COUNT:F,...`, e.g. pi4=3:0.4,jetson=1:1.5"},
				&cli.StringFlag{Name: "bandwidth", Value: "100mbit", Usage: "network `RATE` in tc's units (800kbit, 100mbit, 1gbit)"},
				&cli.StringFlag{Name: "medium", Value: cluster.Shared, Usage: "`shared` (WiFi through one access point) or switched"},
				&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` (default: standard output)"},
			},
			Action: func(ctx context.Context, cmd *cli.Command) error {
				if cmd.Args().Len() > 0 {
					return fmt.Errorf("cluster example: unexpected arguments %v", cmd.Args().Slice())
				}
				if cmd.IsSet("cpu") && cmd.IsSet("class") {
					return errors.New("cluster example: --cpu and --class exclude each other")
				}
				f := clusterExampleFlags{devices: int(cmd.Int("devices")), cpu: cmd.Float("cpu"), classes: cmd.String("class"),
					bandwidth: cmd.String("bandwidth"), medium: cmd.String("medium"), output: cmd.String("output")}
				return runClusterExample(cmd.Root().Writer, f)
			},
		}},
	}
}

func runClusterExample(w io.Writer, f clusterExampleFlags) error {
	bw, err := cluster.ParseBandwidth(f.bandwidth)
	if err != nil {
		return fmt.Errorf("cluster example: --bandwidth: %w", err)
	}
	o := cluster.ExampleOptions{Devices: f.devices, Bandwidth: bw, Medium: f.medium}
	switch {
	case f.classes != "":
		if o.Classes, err = parseClasses(f.classes); err != nil {
			return err
		}
	case f.devices < 1:
		return fmt.Errorf("cluster example: --devices %d: want at least 1 (or give --class)", f.devices)
	default:
		if f.cpu == 0 {
			f.cpu = 1
		}
		o.Classes = []cluster.ExampleClass{{Name: "cpu", Count: f.devices, Speed: f.cpu}}
	}
	data, err := cluster.Example(o)
	if err != nil {
		return fmt.Errorf("cluster example: %w", err)
	}
	if f.output == "" {
		_, err = w.Write(data)
		return err
	}
	if _, err := os.Stat(f.output); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cluster example: %s exists: remove it or write elsewhere", f.output)
	}
	if err := os.WriteFile(f.output, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s (%d devices; edit their addresses, then: edgectl netprobe --cluster %s --write)\n", f.output, countDevices(o), f.output)
	return nil
}

func countDevices(o cluster.ExampleOptions) int {
	n := 0
	for _, c := range o.Classes {
		n += c.Count
	}
	return n
}

// parseClasses reads --class NAME=COUNT:F,...
func parseClasses(s string) ([]cluster.ExampleClass, error) {
	var out []cluster.ExampleClass
	for _, spec := range strings.Split(s, ",") {
		name, rest, ok1 := strings.Cut(strings.TrimSpace(spec), "=")
		count, speed, ok2 := strings.Cut(rest, ":")
		n, err1 := strconv.Atoi(count)
		f, err2 := strconv.ParseFloat(speed, 64)
		if !ok1 || !ok2 || name == "" || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("cluster example: --class %q: want NAME=COUNT:F, e.g. pi4=3:0.4", spec)
		}
		out = append(out, cluster.ExampleClass{Name: name, Count: n, Speed: f})
	}
	return out, nil
}
