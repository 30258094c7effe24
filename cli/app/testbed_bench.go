package app

import (
	"context"
	"errors"

	"github.com/urfave/cli/v3"
)

func testbedBenchCommand() *cli.Command {
	return &cli.Command{
		Name:  "bench",
		Usage: "measure distributed speed-ups on the testbed",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			return errors.New("not yet")
		},
	}
}
