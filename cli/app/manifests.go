package app

import (
	"context"
	"fmt"
	"os"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/kube/bundle"
	"github.com/edgectl/edgectl/kube/image"
	"github.com/edgectl/edgectl/kube/manifest"
	"github.com/edgectl/edgectl/planner/cluster"
)

// objectFlags shape the Kubernetes objects (manifests and deploy; deploy
// may also choose the bundle source by the server's version).
func objectFlags(deploy bool) []cli.Flag {
	source, usage := manifest.SourceImage, "how pods get the bundle (`SOURCE`): image (an image volume, Kubernetes 1.35+) or init (an init container pulls the device's files)"
	if deploy {
		source, usage = "auto", usage+", or auto (image from Kubernetes 1.35 on)"
	}
	return []cli.Flag{
		&cli.StringFlag{Name: "image", Usage: "edgectl image `REF` of every container (edgectl image build --push)", Value: defaultImage()},
		&cli.StringFlag{Name: "bundle-ref", Usage: bundleRefUsage(deploy)},
		&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Usage: "`NAMESPACE` of the objects (deploy: default the kubeconfig context's)"},
		&cli.StringFlag{Name: "source", Usage: usage, Value: source},
		&cli.IntFlag{Name: "window", Usage: "frames in flight at the coordinator (`N`; 0: its default)"},
		&cli.StringFlag{Name: "pull-secret", Usage: "registry login `SECRET` (type kubernetes.io/dockerconfigjson) for the image and the bundle"},
	}
}

func defaultImage() string { return "edgectl:" + image.TagFor(Version) }

func bundleRefUsage(deploy bool) string {
	u := "registry `REPO` the pods pull the bundle from, by its digest (default: registry.repository of the bundle's cluster file)"
	if deploy {
		return u + "; deploy pushes the bundle there unless it is there already"
	}
	return u + "; push it there first (edgectl bundle push, or deploy does)"
}

// bundleRepository is where the pods get b: --bundle-ref, else the
// registry of b's cluster file c; neither is an error saying how to give
// one. insecure is the cluster file's, for its registry.
func bundleRepository(cmd *cli.Command, b *bundle.Bundle, c *cluster.Cluster) (repo string, insecure bool, err error) {
	if r := cmd.String("bundle-ref"); r != "" {
		return r, false, nil
	}
	if r := c.Registry; r.Repository != "" {
		return r.Repository, r.Insecure, nil
	}
	return "", false, fmt.Errorf("no registry for bundle %s: its cluster file (%s in the bundle) has no registry.repository, and no --bundle-ref was given; "+
		"add \"registry: {repository: REGISTRY/PATH}\" to the cluster file and bundle again, or give --bundle-ref REGISTRY/PATH", b.Path, bundle.ClusterPath)
}

func manifestsCommand() *cli.Command {
	return &cli.Command{
		Name:      "manifests",
		Usage:     "print the Kubernetes objects of a bundle as YAML for kubectl apply",
		ArgsUsage: "APP.tar",
		Description: "Pods pull the bundle by its digest from --bundle-ref, else from the cluster file's\n" +
			"registry.repository (manifests does not push it: edgectl bundle push, or deploy, does).\n" +
			"Per plan device a worker Deployment pinned to its device class (the device's\n" +
			"nodeSelector in the cluster file, else the node label edgectl.dev/device-class=CLASS),\n" +
			"with CPU and memory from its class, gRPC readiness and liveness probes on the worker's\n" +
			"health service and the token from the Secret APP-token; a Service per worker; the\n" +
			"coordinator (edgectl bundle serve) as a Deployment and Service. --token-file adds the\n" +
			"Secret; --rbac a ServiceAccount, Role and RoleBinding with exactly what edgectl deploy\n" +
			"needs, for the cluster admin to apply. See docs/deploy.md.",
		Flags: append(objectFlags(false),
			&cli.StringFlag{Name: "token-file", Usage: "include the Secret with the workers' token read from `FILE`"},
			&cli.BoolFlag{Name: "rbac", Usage: "include the deployer's ServiceAccount, Role and RoleBinding"},
			&cli.StringFlag{Name: "rbac-user", Usage: "with --rbac: also bind the Role to this `USER`"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` instead of standard output"},
		),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			path, err := oneArg(cmd, "bundle")
			if err != nil {
				return err
			}
			o := manifestOptions(cmd)
			o.RBAC, o.RBACUser = cmd.Bool("rbac"), cmd.String("rbac-user")
			if f := cmd.String("token-file"); f != "" {
				data, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				o.Token = string(trimSpace(data))
			}
			b, err := bundle.Open(path)
			if err != nil {
				return err
			}
			defer b.Close()
			objs, _, err := renderBundle(cmd, b, o)
			if err != nil {
				return err
			}
			data, err := manifest.YAML(objs)
			if err != nil {
				return err
			}
			if out := cmd.String("output"); out != "" {
				return os.WriteFile(out, data, 0o644)
			}
			_, err = cmd.Root().Writer.Write(data)
			return err
		},
	}
}

func manifestOptions(cmd *cli.Command) manifest.Options {
	return manifest.Options{Namespace: cmd.String("namespace"), Image: cmd.String("image"),
		Source: cmd.String("source"), Window: int(cmd.Int("window")), PullSecret: cmd.String("pull-secret")}
}

// renderBundle renders b's objects and the node selectors of its devices;
// without o.BundleRef, the pods pull b from bundleRepository.
func renderBundle(cmd *cli.Command, b *bundle.Bundle, o manifest.Options) ([]manifest.Object, map[string]map[string]string, error) {
	if b.IsDir() {
		return nil, nil, fmt.Errorf("bundle %s is a folder: give the archive, whose digest the pods pull", b.Path)
	}
	c, err := bundleCluster(b)
	if err != nil {
		return nil, nil, err
	}
	if o.BundleRef == "" {
		if o.BundleRef, o.Insecure, err = bundleRepository(cmd, b, c); err != nil {
			return nil, nil, err
		}
	}
	in := manifest.Input{Meta: b.Meta, Digest: b.Digest().String(), Cluster: c}
	objs, err := manifest.Render(in, o)
	if err != nil {
		return nil, nil, err
	}
	return objs, manifest.Devices(in), nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}
