//go:build !nokube

package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/kube/bundle"
	"github.com/edgectl/edgectl/kube/deploy"
)

func undeployCommand() *cli.Command {
	return &cli.Command{
		Name:      "undeploy",
		Usage:     "remove what edgectl deploy made for an app",
		ArgsUsage: "APP.tar|APP",
		Description: "Deletes the Deployments, Services and Secrets carrying the app's labels\n" +
			"(app.kubernetes.io/instance=APP, managed-by=edgectl) and nothing else; their pods\n" +
			"go with them. --wait waits until no pod of the app is left.",
		Flags: append(clusterFlags(),
			&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Usage: "`NAMESPACE` of the app"},
			&cli.BoolFlag{Name: "wait", Usage: "wait until the app's pods are gone"},
			&cli.DurationFlag{Name: "timeout", Usage: "with --wait: give up after `DURATION`", Value: 2 * time.Minute},
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
				return fmt.Errorf("undeploy: %w", err)
			}
			wait := time.Duration(0)
			if cmd.Bool("wait") {
				wait = cmd.Duration("timeout")
			}
			refs, err := deploy.Undeploy(ctx, c, ns, app, wait, cmd.Root().ErrWriter)
			if err != nil {
				return fmt.Errorf("undeploy: %w", err)
			}
			fmt.Fprintf(cmd.Root().Writer, "undeployed %s from namespace %s: %d objects deleted\n", app, ns, len(refs))
			return nil
		},
	}
}

// appOf is the app a command names: a bundle's name, or the name itself.
func appOf(arg string) (string, error) {
	if _, err := os.Stat(arg); err == nil {
		b, err := bundle.Open(arg)
		if err != nil {
			return "", err
		}
		defer b.Close()
		return b.Meta.Name, nil
	}
	if !bundle.IsDNSLabel(arg) {
		return "", fmt.Errorf("%q is neither a bundle nor an app name", arg)
	}
	return arg, nil
}
