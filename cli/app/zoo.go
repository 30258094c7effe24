package app

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"
)

func zooCommand() *cli.Command {
	return &cli.Command{
		Name:      "zoo",
		Usage:     "write a full-size benchmark model with seeded random weights",
		ArgsUsage: "NAME",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			return fmt.Errorf("zoo: not wired yet")
		},
	}
}
