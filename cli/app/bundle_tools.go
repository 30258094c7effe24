package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/kube/bundle"
)

// signatureFlags check a bundle's signature before anything uses it.
func signatureFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "pubkey", Usage: "check the bundle's ed25519 signature with this public key `FILE` (edgectl bundle keygen)"},
		&cli.BoolFlag{Name: "require-signature", Usage: "refuse a bundle that this --pubkey has not signed"},
	}
}

// openBundle opens a bundle and checks its signature as the flags say:
// with --require-signature it must be signed by --pubkey; with --pubkey
// alone a signature present must verify, and an unsigned bundle is
// reported on errw.
func openBundle(path, pubFile string, require bool, errw io.Writer) (*bundle.Bundle, error) {
	if require && pubFile == "" {
		return nil, fmt.Errorf("--require-signature needs --pubkey FILE")
	}
	b, err := bundle.Open(path)
	if err != nil {
		return nil, err
	}
	if pubFile == "" {
		return b, nil
	}
	pub, err := bundle.LoadPublicKey(pubFile)
	if err == nil {
		err = b.VerifySignature(pub)
	}
	if errors.Is(err, bundle.ErrNotSigned) && !require {
		fmt.Fprintf(errw, "edgectl: warning: %v (give --require-signature to refuse it)\n", err)
		err = nil
	}
	if err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func bundleInspectCommand() *cli.Command {
	return &cli.Command{
		Name: "inspect", Usage: "print a bundle's digest, signatures, files and devices", ArgsUsage: "APP.tar|DIR",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			path, err := oneArg(cmd, "bundle")
			if err != nil {
				return err
			}
			b, err := bundle.Open(path)
			if err != nil {
				return err
			}
			defer b.Close()
			return b.Describe(cmd.Root().Writer)
		},
	}
}

func bundleVerifyCommand() *cli.Command {
	return &cli.Command{
		Name: "verify", Usage: "check every blob of a bundle against its digest, and its signature", ArgsUsage: "APP.tar|DIR",
		Description: "Reads every file of the bundle and checks it against its layer digest and its sha256\n" +
			"in bundle.json; a missing, truncated or altered blob is an error naming it. With\n" +
			"--pubkey the signature is checked too.",
		Flags: signatureFlags(),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			path, err := oneArg(cmd, "bundle")
			if err != nil {
				return err
			}
			b, err := openBundle(path, cmd.String("pubkey"), cmd.Bool("require-signature"), cmd.Root().ErrWriter)
			if err != nil {
				return err
			}
			defer b.Close()
			if err := b.Verify(func(f bundle.File) { fmt.Fprintf(cmd.Root().ErrWriter, "checking %s (%d bytes)\n", f.Path, f.Size) }); err != nil {
				return err
			}
			fmt.Fprintf(cmd.Root().Writer, "bundle %s %s: %d files verified\n", b.Meta.Name, b.Digest(), len(b.Meta.Files)+1)
			return nil
		},
	}
}

func bundleSignCommand() *cli.Command {
	return &cli.Command{
		Name: "sign", Usage: "sign a bundle archive with an ed25519 key", ArgsUsage: "APP.tar",
		Description: "Signs the bundle's index digest (which covers every blob) and adds the signature\n" +
			"to the archive; push carries it to the registry. A bundle whose blobs do not match\n" +
			"their digests is not signed.",
		Flags: []cli.Flag{&cli.StringFlag{Name: "key", Usage: "private key `FILE` (edgectl bundle keygen)", Required: true}},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			path, err := oneArg(cmd, "bundle")
			if err != nil {
				return err
			}
			priv, err := bundle.LoadPrivateKey(cmd.String("key"))
			if err != nil {
				return err
			}
			id, err := bundle.Sign(path, priv)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.Root().Writer, "signed %s with key %s\n", path, id)
			return nil
		},
	}
}

func bundleKeygenCommand() *cli.Command {
	return &cli.Command{
		Name: "keygen", Usage: "write a new ed25519 key pair for signing bundles", ArgsUsage: "KEY",
		Description: "Writes the private key to KEY (mode 0600, never overwritten) and the public key\n" +
			"to KEY.pub.",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			key, err := oneArg(cmd, "key file")
			if err != nil {
				return err
			}
			id, err := bundle.GenerateKey(key)
			if err != nil {
				return fmt.Errorf("keygen: %w", err)
			}
			fmt.Fprintf(cmd.Root().Writer, "wrote %s and %s.pub (key %s)\n", key, key, id)
			return nil
		},
	}
}

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
			d, err := bundle.Push(ctx, b, cmd.Args().Get(1), bundle.RemoteOptions{Insecure: cmd.Bool("insecure")})
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
			o := bundle.PullOptions{RemoteOptions: bundle.RemoteOptions{Insecure: cmd.Bool("insecure")}}
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
