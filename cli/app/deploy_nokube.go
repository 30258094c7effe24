//go:build nokube

package app

import (
	"context"
	"errors"

	"github.com/urfave/cli/v3"
)

// Built with -tags nokube (a board's or a pod's binary), edgectl leaves
// out client-go: deploy, undeploy and status say so. Everything that runs
// inside pods (worker, bundle serve, bundle pull) stays.

var errNoKube = errors.New("this edgectl was built without Kubernetes support (-tags nokube): use a full build to deploy")

func noKube(name, usage string) *cli.Command {
	return &cli.Command{Name: name, Usage: usage + " (not in this build)", SkipFlagParsing: true,
		Action: func(context.Context, *cli.Command) error { return errNoKube }}
}

func deployCommand() *cli.Command { return noKube("deploy", "run a bundle on Kubernetes") }
func undeployCommand() *cli.Command {
	return noKube("undeploy", "remove what edgectl deploy made for an app")
}
func statusCommand() *cli.Command { return noKube("status", "show the pods of a deployed app") }
