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
