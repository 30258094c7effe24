package app

import (
	"context"
	"fmt"

	"github.com/edgectl/edgectl/kube/bundle"
	"github.com/urfave/cli/v3"
)

func bundlePushCommand() *cli.Command {
	return &cli.Command{
		Name: "push", Usage: "push a bundle archive and its signatures to a registry", ArgsUsage: "APP.tar REF",
		Description: "Pushes to REF (REGISTRY/REPO[:TAG]) with your docker or podman login and prints the\n" +
			"reference by digest, which manifests and deploy take as --bundle-ref. localhost,\n" +
			"loopback and private addresses are reached over plain HTTP; --insecure allows it\n" +
			"for any registry.",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "insecure", Usage: "allow plain HTTP"}},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() != 2 {
				return fmt.Errorf("push: want APP.tar REF (see edgectl bundle push --help)")
			}
			b, err := bundle.Open(cmd.Args().Get(0))
			if err != nil {
				return err
			}
			defer b.Close()
			d, err := bundle.Push(ctx, b, cmd.Args().Get(1), bundle.RemoteOptions{Insecure: cmd.Bool("insecure"), Progress: cmd.Root().ErrWriter})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.Root().Writer, "pushed %s\n", d)
			return nil
		},
	}
}

func bundlePullCommand() *cli.Command {
	return &cli.Command{
		Name: "pull", Usage: "pull a bundle from a registry, whole or one device's files", ArgsUsage: "REF",
		Description: "-o APP.tar writes the whole bundle (and its signature) as an archive; --extract DIR\n" +
			"writes the files into a folder, with --device only those that device needs (its\n" +
			"weights and plugin): what the init container of a deployed worker runs. Every blob\n" +
			"is checked against its digest; --require-signature refuses a bundle --pubkey did\n" +
			"not sign.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the archive to `APP.tar`"},
			&cli.StringFlag{Name: "extract", Usage: "write the files into `DIR`"},
			&cli.StringFlag{Name: "device", Usage: "with --extract: only the files of plan device `NAME` (\"coordinator\": the coordinator's)"},
			&cli.BoolFlag{Name: "insecure", Usage: "allow plain HTTP"},
		}, signatureFlags()...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			ref, err := oneArg(cmd, "reference")
			if err != nil {
				return err
			}
			out, dir := cmd.String("output"), cmd.String("extract")
			if (out == "") == (dir == "") {
				return fmt.Errorf("pull: give -o APP.tar or --extract DIR")
			}
			if cmd.String("device") != "" && dir == "" {
				return fmt.Errorf("pull: --device goes with --extract")
			}
			o := bundle.PullOptions{RemoteOptions: bundle.RemoteOptions{Insecure: cmd.Bool("insecure"), Progress: cmd.Root().ErrWriter}}
			if cmd.Bool("require-signature") && cmd.String("pubkey") == "" {
				return fmt.Errorf("pull: --require-signature needs --pubkey FILE")
			}
			if cmd.String("pubkey") != "" { // pulling, a key always requires its signature
				if o.PublicKey, err = bundle.LoadPublicKey(cmd.String("pubkey")); err != nil {
					return err
				}
			}
			if out != "" {
				d, err := bundle.Pull(ctx, ref, out, o)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.Root().Writer, "pulled %s -> %s\n", d, out)
				return nil
			}
			d, err := bundle.Extract(ctx, ref, dir, cmd.String("device"), o)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.Root().Writer, "pulled %s -> %s\n", d, dir)
			return nil
		},
	}
}
