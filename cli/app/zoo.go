package app

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/tools/zoo"
)

func zooCommand() *cli.Command {
	return &cli.Command{
		Name:      "zoo",
		Usage:     "write a full-size benchmark model with seeded random weights",
		ArgsUsage: "NAME",
		Description: "NAME is one of: " + strings.Join(zoo.Names(), ", ") + ".\n" +
			"The models are the torchvision / darknet topologies at full size, written through\n" +
			"edgectl's own ONNX writer as a PyTorch export would be (opset 13, batch-norm kept\n" +
			"as separate nodes). Too big to commit, they are what benchmarks run on.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the model to `FILE.onnx`", Required: true},
			&cli.Int64Flag{Name: "seed", Value: 1, Usage: "seed of the random weights"},
			&cli.StringFlag{Name: "sample", Usage: "also write a sample input (uniform in [0,1), from the seed) to `FILE` (.pb or .npy)"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			name, err := oneArg(cmd, "model name")
			if err != nil {
				return err
			}
			if err := runZoo(cmd, name, cmd.String("output"), cmd.Int64("seed")); err != nil {
				return err
			}
			if sample := cmd.String("sample"); sample != "" {
				return writeSample(cmd.String("output"), sample, cmd.Int64("seed"))
			}
			return nil
		},
	}
}

func runZoo(cmd *cli.Command, name, path string, seed int64) error {
	start := time.Now()
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 4<<20)
	err = zoo.Write(w, name, seed)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("zoo %s: %w", name, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	st, _ := os.Stat(path)
	fmt.Fprintf(cmd.Root().Writer, "wrote %s (%s, %.1f MB) in %v\n", path, name, float64(st.Size())/1e6, time.Since(start).Round(time.Millisecond))
	return nil
}

// writeSample writes a deterministic input for the model at path.
func writeSample(model, path string, seed int64) error {
	g, err := importer.LoadFile(model, importer.Options{})
	if err != nil {
		return err
	}
	if len(g.Inputs) != 1 {
		return fmt.Errorf("%s has %d inputs; --sample writes one", model, len(g.Inputs))
	}
	t := graphir.NewTensor(graphir.Float32, g.Inputs[0].Shape)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	for i := range t.F {
		t.F[i] = rng.Float32()
	}
	return importer.WriteTensorFile(path, t, g.Inputs[0].Name)
}
