package app

import (
	"context"
	"fmt"

	"github.com/edgectl/edgectl/kube/bundle"
	"github.com/urfave/cli/v3"
)

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
