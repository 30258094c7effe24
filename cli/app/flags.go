package app

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/graphir"
)

func inputShapeFlag() cli.Flag {
	return &cli.StringSliceFlag{
		Name:  "input-shape",
		Usage: "fix a symbolic input shape as `NAME=D0xD1x...` (repeatable), e.g. input=1x3x224x224",
	}
}

func parseInputShapes(specs []string) (map[string]graphir.Shape, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	out := map[string]graphir.Shape{}
	for _, s := range specs {
		name, dims, ok := strings.Cut(s, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("--input-shape %q: want NAME=D0xD1x...", s)
		}
		var shape graphir.Shape
		for _, d := range strings.Split(dims, "x") {
			v, err := strconv.Atoi(d)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("--input-shape %q: bad dimension %q", s, d)
			}
			shape = append(shape, v)
		}
		out[name] = shape
	}
	return out, nil
}

func threadsFlag() cli.Flag {
	return &cli.IntFlag{Name: "threads", Usage: "threads for intra-op parallelism (0: all cores)"}
}
