package app

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/kube/bundle"
	"github.com/edgectl/edgectl/kube/manifest"
	"github.com/edgectl/edgectl/planner/cluster"
)

func bundleCommand() *cli.Command {
	return &cli.Command{
		Name:      "bundle",
		Usage:     "package a model, plan and cluster file as one OCI artifact, and inspect, verify, sign, push, pull or serve it",
		ArgsUsage: "MODEL --plan PLAN --cluster CLUSTER -o APP.tar",
		Description: "Writes an OCI archive (a tarred OCI image layout) holding the plan, the cluster file,\n" +
			"the device classes' plugins (and --plugin files), the Kubernetes manifests (with\n" +
			"${EDGECTL_IMAGE} and ${EDGECTL_BUNDLE} left to fill: edgectl manifests does) and\n" +
			"the model as a graph plus one weight blob per plan stage, so that each device reads\n" +
			"and pulls only the weights of its stages. Blobs are sha256 content addresses; the\n" +
			"same inputs give the same digest. Every plan device must be in the cluster file.\n" +
			"See docs/deploy.md.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "plan", Usage: "plan `FILE` (kind Plan)"},
			&cli.StringFlag{Name: "cluster", Usage: "cluster `FILE` (kind Cluster) naming every device of the plan"},
			&cli.StringSliceFlag{Name: "plugin", Usage: "extra Wasm plugin `FILE` to include (the classes' plugins always are)"},
			&cli.StringFlag{Name: "name", Usage: "application `NAME` (a DNS label; default: the plan's model name)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the bundle to `APP.tar`"},
			inputShapeFlag(),
		},
		Commands: []*cli.Command{bundleInspectCommand(), bundleVerifyCommand(), bundleSignCommand(), bundleKeygenCommand(),
			bundlePushCommand(), bundlePullCommand(), bundleServeCommand()},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			model, err := oneArg(cmd, "model file")
			if err != nil {
				return err
			}
			if cmd.String("plan") == "" || cmd.String("cluster") == "" || cmd.String("output") == "" {
				return fmt.Errorf("bundle: give --plan FILE, --cluster FILE and -o APP.tar (see edgectl bundle --help)")
			}
			shapes, err := parseInputShapes(cmd.StringSlice("input-shape"))
			if err != nil {
				return err
			}
			o := bundle.Options{Model: model, InputShapes: shapes, Plan: cmd.String("plan"), Cluster: cmd.String("cluster"),
				Plugins: cmd.StringSlice("plugin"), Name: cmd.String("name"), Progress: cmd.Root().ErrWriter,
				Manifests: bundledManifests}
			return runBundleBuild(ctx, cmd.Root().Writer, o, cmd.String("output"))
		},
	}
}

func runBundleBuild(ctx context.Context, w io.Writer, o bundle.Options, out string) error {
	res, err := bundle.Build(ctx, o, out)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	fmt.Fprintf(w, "bundle %s %s: %d bytes, %d files, %d devices -> %s\n", res.Meta.Name, res.Digest, res.Size,
		len(res.Meta.Files)+1, len(res.Meta.Devices), out)
	return nil
}

// bundledManifests renders the manifests kept inside a bundle: a
// template whose image and bundle reference are ${EDGECTL_IMAGE} and
// ${EDGECTL_BUNDLE}, since a bundle cannot name its own digest.
func bundledManifests(m *bundle.Meta, c *cluster.Cluster) ([]byte, error) {
	objs, err := manifest.Render(manifest.Input{Meta: m, Cluster: c}, manifest.Options{Image: "${EDGECTL_IMAGE}"})
	if err != nil {
		return nil, err
	}
	return manifest.YAML(objs)
}
