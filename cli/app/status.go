//go:build !nokube

package app

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/kube/deploy"
)

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "show the pods of a deployed app: device, class, node, readiness, restarts, worker counters",
		ArgsUsage: "APP.tar|APP",
		Description: "One row per pod of the app. The workers' Prometheus counters (tiles, bytes in and\n" +
			"out, failures) are read through the API server's pod proxy (pods/proxy); --no-metrics\n" +
			"leaves them out.",
		Flags: append(clusterFlags(),
			&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Usage: "`NAMESPACE` of the app"},
			&cli.BoolFlag{Name: "no-metrics", Usage: "do not read the workers' metrics"},
		),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			arg, err := oneArg(cmd, "bundle or app name")
			if err != nil {
				return err
			}
			app, err := appOf(arg)
			if err != nil {
				return err
			}
			c, ns, err := connect(cmd)
			if err != nil {
				return fmt.Errorf("status: %w", err)
			}
			pods, err := deploy.Status(ctx, c, ns, app, !cmd.Bool("no-metrics"))
			if err != nil {
				return fmt.Errorf("status: %w", err)
			}
			if len(pods) == 0 {
				return fmt.Errorf("status: no pods of %s in namespace %s", app, ns)
			}
			return deploy.FormatStatus(cmd.Root().Writer, pods)
		},
	}
}
