//go:build !nokube

package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/kube/bundle"
	"github.com/edgectl/edgectl/kube/deploy"
	"github.com/edgectl/edgectl/kube/manifest"
)

// clusterFlags reach the Kubernetes cluster.
func clusterFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "kubeconfig", Usage: "kubeconfig `FILE` (default: $KUBECONFIG, else ~/.kube/config)"},
	}
}

// connect makes the client and the namespace: --namespace, else the
// kubeconfig context's.
func connect(cmd *cli.Command) (deploy.Client, string, error) {
	c, ns, err := deploy.NewClient(cmd.String("kubeconfig"))
	if err != nil {
		return nil, "", err
	}
	if n := cmd.String("namespace"); n != "" {
		ns = n
	}
	return c, ns, nil
}

func deployCommand() *cli.Command {
	return &cli.Command{
		Name:      "deploy",
		Usage:     "run a bundle on Kubernetes: apply its objects, wait until they are ready",
		ArgsUsage: "APP.tar",
		Description: "Checks the bundle (every blob, and its signature with --pubkey), checks that each\n" +
			"device's node selector matches a node, creates the Secret APP-token with a random\n" +
			"token unless it exists, server-side applies the objects of edgectl manifests with\n" +
			"the field manager \"edgectl\", and deletes what an earlier deploy of the app made that\n" +
			"this one does not (a device the new plan dropped). A new plan rolls the workers and\n" +
			"the coordinator with a surge: the old pods run until the new ones are ready.\n" +
			"Pods pull the bundle by digest from --bundle-ref, else from the cluster file's\n" +
			"registry.repository; deploy pushes it there first unless the registry has it.\n" +
			"--source auto mounts the bundle as an image volume on Kubernetes 1.35 and later,\n" +
			"else pulls it in an init container. --wait shows the rollout until every pod is\n" +
			"ready. Prints the coordinator's and the workers' addresses in the cluster.",
		Flags: append(append(append(objectFlags(true), clusterFlags()...), signatureFlags()...),
			&cli.BoolFlag{Name: "wait", Usage: "wait until every Deployment has rolled out"},
			&cli.DurationFlag{Name: "timeout", Usage: "with --wait: give up after `DURATION`", Value: 5 * time.Minute},
			&cli.BoolFlag{Name: "force", Usage: "take over fields another field manager owns"},
		),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			path, err := oneArg(cmd, "bundle")
			if err != nil {
				return err
			}
			return runDeploy(ctx, cmd, path)
		},
	}
}

func runDeploy(ctx context.Context, cmd *cli.Command, path string) error {
	w, errw := cmd.Root().Writer, cmd.Root().ErrWriter
	b, err := openBundle(path, cmd.String("pubkey"), cmd.Bool("require-signature"), errw)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.Verify(nil); err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	c, ns, err := connect(cmd)
	if err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	o := manifestOptions(cmd)
	o.Namespace = ns
	if o.Source == "auto" {
		if o.Source, err = chooseSource(ctx, c, errw); err != nil {
			return fmt.Errorf("deploy: %w", err)
		}
	}
	if o.BundleRef, o.Insecure, err = ensureBundle(ctx, cmd, b, errw); err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	objs, devices, err := renderBundle(cmd, b, o)
	if err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	app := b.Meta.Name
	fmt.Fprintf(errw, "deploying %s %s to namespace %s\n", app, b.Digest(), ns)
	if _, err := deploy.Deploy(ctx, c, app, objs, deploy.Options{Namespace: ns, Devices: devices, Force: cmd.Bool("force"), Progress: errw}); err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	if cmd.Bool("wait") {
		if err := deploy.Wait(ctx, c, ns, app, cmd.Duration("timeout"), errw); err != nil {
			return fmt.Errorf("deploy: %w", err)
		}
	}
	printEndpoints(w, b, ns)
	return nil
}

// ensureBundle puts b where the pods pull it from (bundleRepository),
// pushing it, tagged APP-DIGEST, unless the registry has it already, and
// returns that reference by digest.
func ensureBundle(ctx context.Context, cmd *cli.Command, b *bundle.Bundle, errw io.Writer) (string, bool, error) {
	if b.IsDir() {
		return "", false, fmt.Errorf("bundle %s is a folder: give the archive, whose digest the pods pull", b.Path)
	}
	c, err := bundleCluster(b)
	if err != nil {
		return "", false, err
	}
	repo, insecure, err := bundleRepository(cmd, b, c)
	if err != nil {
		return "", false, err
	}
	tag := b.Meta.Name + "-" + b.Digest().Hex[:16]
	ref, pushed, err := bundle.Ensure(ctx, b, repo, tag, bundle.RemoteOptions{Insecure: insecure, Progress: errw})
	if err != nil {
		return "", false, err
	}
	if pushed {
		fmt.Fprintf(errw, "pushed %s\n", ref)
	} else {
		fmt.Fprintf(errw, "bundle %s is in %s already\n", b.Digest(), ref.Context())
	}
	return ref.String(), insecure, nil
}

// chooseSource is an image volume where the server has them on by
// default (Kubernetes 1.35; GA in 1.36), else an init container.
func chooseSource(ctx context.Context, c deploy.Client, errw io.Writer) (string, error) {
	major, minor, err := c.ServerVersion(ctx)
	if err != nil {
		return "", err
	}
	if major > 1 || minor >= 35 {
		fmt.Fprintf(errw, "Kubernetes %d.%d: the bundle is mounted as an image volume\n", major, minor)
		return manifest.SourceImage, nil
	}
	fmt.Fprintf(errw, "Kubernetes %d.%d has no image volumes by default: an init container pulls the bundle\n", major, minor)
	return manifest.SourceInit, nil
}

func printEndpoints(w io.Writer, b *bundle.Bundle, ns string) {
	app := b.Meta.Name
	fmt.Fprintf(w, "deployed %s %s\n", app, b.Digest())
	fmt.Fprintf(w, "coordinator: http://%s.%s.svc:%d/v1/infer\n", manifest.CoordinatorName(app), ns, manifest.CoordinatorPort)
	for _, d := range b.Meta.Devices {
		fmt.Fprintf(w, "worker %s (%s): %s\n", d.Name, d.Class, manifest.WorkerAddress(app, ns, d.Name))
	}
}
