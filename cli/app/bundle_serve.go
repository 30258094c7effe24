package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/kube/serve"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

func bundleServeCommand() *cli.Command {
	return &cli.Command{
		Name: "serve", Usage: "coordinate a deployed bundle: open its plan on the workers and serve inferences over HTTP",
		ArgsUsage: "APP.tar|DIR",
		Description: "What the coordinator pod of edgectl deploy runs. Reads the bundle's plan, graph and\n" +
			"common weights only, opens the plan on the workers (--worker DEVICE=ADDR for every\n" +
			"plan device; each started with worker --bundle --device and so holding its shard),\n" +
			"and serves POST /v1/infer (a TensorProto or .npy body; the output as a TensorProto),\n" +
			"GET /readyz (200 once the session is open) and GET /healthz. A lost session is\n" +
			"opened again in the background, and a request whose frame failed (a worker gone,\n" +
			"e.g. replaced in a roll) runs again on the new session, within --patience. The\n" +
			"workers' token comes from $EDGECTL_TOKEN or --token-file.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "listen", Usage: "HTTP `ADDR`", Value: "127.0.0.1:8080"},
			&cli.StringFlag{Name: "data-dir", Usage: "`DIR` for the coordinator's part of the model (a temporary one when not given)"},
			&cli.StringSliceFlag{Name: "worker", Usage: "worker of a plan device, `DEVICE=ADDR` (repeatable; default: the addresses in the bundle's cluster file)"},
			&cli.IntFlag{Name: "window", Usage: "frames in flight at once (`N`; 0: one per stage, plus one)"},
			&cli.StringFlag{Name: "token-file", Usage: "read the workers' token from `FILE` (else $EDGECTL_TOKEN)"},
			&cli.DurationFlag{Name: "patience", Usage: "how long a request waits for a session, and runs its frame again after a worker was lost, before it fails (`DURATION`)", Value: time.Minute},
			&cli.DurationFlag{Name: "drain-delay", Usage: "on SIGTERM or interrupt, serve on for `DURATION` while /readyz says 503, then finish the requests in progress and stop"},
		}, signatureFlags()...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			path, err := oneArg(cmd, "bundle")
			if err != nil {
				return err
			}
			return runBundleServe(ctx, cmd, path)
		},
	}
}

func runBundleServe(ctx context.Context, cmd *cli.Command, path string) error {
	errw := cmd.Root().ErrWriter
	b, err := openBundle(path, cmd.String("pubkey"), cmd.Bool("require-signature"), errw)
	if err != nil {
		return err
	}
	defer b.Close()
	dir := cmd.String("data-dir")
	if dir == "" {
		if dir, err = os.MkdirTemp("", "edgectl-coordinator-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	g, plan, shard, err := bundleModel(b, "", dir)
	if err != nil {
		return err
	}
	workers := cmd.StringSlice("worker")
	if len(workers) == 0 {
		c, err := bundleCluster(b)
		if err != nil {
			return err
		}
		if workers, err = clusterWorkers(c, plan); err != nil {
			return fmt.Errorf("serve: %w (or give --worker DEVICE=ADDR)", err)
		}
	}
	auth, err := workerAuth(authFlags{tokenFile: cmd.String("token-file")}, nil)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	s, err := serve.New(serve.Config{Graph: g, Plan: plan, Model: shard.Model, Workers: workers, Auth: auth,
		Session: coord.Options{Window: int(cmd.Int("window"))}, Log: slog.New(slog.NewTextHandler(errw, nil)),
		Patience: cmd.Duration("patience"), DrainDelay: cmd.Duration("drain-delay")})
	if err != nil {
		return err
	}
	return s.Run(ctx, cmd.String("listen"), func(addr string) {
		fmt.Fprintf(cmd.Root().Writer, "edgectl coordinator of %s serving on http://%s\n", b.Meta.Name, addr)
	})
}
