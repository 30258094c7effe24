package app

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/kube/image"
)

type imageFlags struct {
	platforms          []string
	binaries           map[string]string
	output, format     string
	tag, push          string
	insecure, load     bool
	moduleDir, main    string
	version, sourceURL string
}

func imageCommand() *cli.Command {
	return &cli.Command{
		Name:  "image",
		Usage: "build the worker's container image",
		Commands: []*cli.Command{{
			Name:  "build",
			Usage: "build the worker image (linux/amd64 and linux/arm64) without Docker",
			Description: "Builds the container image of `edgectl worker`, the way ko does: edgectl is compiled\n" +
				"for each platform (go build, CGO_ENABLED=0) unless --binary gives it, and put on a\n" +
				"scratch image made here, as user edgectl (65532) with a writable /tmp and data\n" +
				"directory " + image.DataDir + "; entrypoint edgectl, default arguments\n" +
				"`" + strings.Join(image.DefaultArgs, " ") + "` (the token comes from $EDGECTL_TOKEN or\n" +
				"e.g. --token-file on a mounted file), port " + fmt.Sprint(image.Port) + ". All platforms go into one OCI index.\n" +
				"\n" +
				"The source compiled is --module-dir, else the edgectl checkout around the current\n" +
				"directory, else (for an edgectl installed with go install ...@VERSION) that release\n" +
				"from the module proxy. Labels org.opencontainers.image.* record version, revision\n" +
				"and time: $SOURCE_DATE_EPOCH, else the commit's time, so the same source gives the\n" +
				"same digest.\n" +
				"\n" +
				"-o FILE.tar writes an OCI archive (podman load, Docker 25+ docker load); -o DIR an OCI layout;\n" +
				"--format docker-archive a `docker save` tar of one platform. --load loads it into\n" +
				"podman, else docker; --push pushes it to a registry with your docker/podman login.",
			Flags: []cli.Flag{
				&cli.StringSliceFlag{Name: "platform", Usage: "`OS/ARCH[/VARIANT]`s to build, comma-separated or repeated (default: " + strings.Join(image.DefaultPlatforms, ",") + ")"},
				&cli.StringSliceFlag{Name: "binary", Usage: "package this prebuilt static binary for a platform instead of compiling: `PLATFORM=FILE` (repeatable)"},
				&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the image to `PATH`: FILE.tar or DIR"},
				&cli.StringFlag{Name: "format", Usage: "`FORMAT` of -o: oci-layout, tarball (OCI archive) or docker-archive (default: tarball for *.tar, else oci-layout)"},
				&cli.StringFlag{Name: "tag", Usage: "name the image `REF` in the output and when loading (default: edgectl:VERSION)"},
				&cli.StringFlag{Name: "push", Usage: "push the image to `REF` (e.g. registry.example/team/edgectl:v1)"},
				&cli.BoolFlag{Name: "insecure", Usage: "with --push: allow plain HTTP to the registry (always allowed for localhost, loopback, *.local and private addresses)"},
				&cli.BoolFlag{Name: "load", Usage: "load the image into podman or docker (the first that works)"},
				&cli.StringFlag{Name: "module-dir", Usage: "compile edgectl from the module in `DIR`"},
				&cli.StringFlag{Name: "main", Usage: "`PACKAGE` to compile in the module", Value: image.DefaultMain},
				&cli.StringFlag{Name: "version", Usage: "`VERSION` for the label and `edgectl --version` (default: git describe of the source)"},
				&cli.StringFlag{Name: "source", Usage: "org.opencontainers.image.source `URL`", Value: image.DefaultSource},
			},
			Action: func(ctx context.Context, cmd *cli.Command) error {
				if cmd.Args().Len() > 0 {
					return fmt.Errorf("image build: unexpected arguments %v (see edgectl image build --help)", cmd.Args().Slice())
				}
				f := imageFlags{
					platforms: splitList(cmd.StringSlice("platform")), output: cmd.String("output"), format: cmd.String("format"),
					tag: cmd.String("tag"), push: cmd.String("push"), insecure: cmd.Bool("insecure"), load: cmd.Bool("load"),
					moduleDir: cmd.String("module-dir"), main: cmd.String("main"), version: cmd.String("version"), sourceURL: cmd.String("source"),
					binaries: map[string]string{},
				}
				for _, b := range cmd.StringSlice("binary") {
					p, file, ok := strings.Cut(b, "=")
					if !ok || p == "" || file == "" {
						return fmt.Errorf("image build: --binary %q: want PLATFORM=FILE, e.g. linux/arm64=bin/edgectl-arm64", b)
					}
					f.binaries[p] = file
				}
				return runImageBuild(ctx, cmd.Root().Writer, cmd.Root().ErrWriter, f)
			},
		}},
	}
}

func runImageBuild(ctx context.Context, w, errw io.Writer, f imageFlags) error {
	if f.output == "" && f.push == "" && !f.load {
		return fmt.Errorf("image build: nothing to do: give -o FILE.tar|DIR, --push REF or --load")
	}
	format, err := image.FormatFor(f.format, f.output)
	if err != nil {
		return fmt.Errorf("image build: %w", err)
	}
	opts := image.Options{Platforms: f.platforms, Binaries: f.binaries, Main: f.main, Source: f.sourceURL, Progress: errw}
	plats, err := opts.ParsePlatforms()
	if err != nil {
		return fmt.Errorf("image build: %w", err)
	}
	if f.output != "" && format == image.FormatDocker && len(plats) != 1 {
		return fmt.Errorf("image build: a docker archive holds one platform, not %d: give one --platform, or use --format tarball", len(plats))
	}
	var src image.Source
	if opts.NeedsSource() {
		if src, err = image.FindSource(ctx, f.moduleDir, ""); err != nil {
			return fmt.Errorf("image build: %w", err)
		}
		opts.ModuleDir = src.Dir
	} else if root, err := image.FindModule(cmp.Or(f.moduleDir, ".")); err == nil {
		src = image.CheckoutSource(ctx, root) // only for the labels
	}
	if src, err = src.Stamped(); err != nil {
		return fmt.Errorf("image build: %w", err)
	}
	opts.Version, opts.Revision, opts.Created = src.Version, src.Revision, src.Time
	if f.version != "" {
		opts.Version = f.version
	}
	if f.tag == "" {
		f.tag = "edgectl:" + image.TagFor(opts.Version)
	}
	ref, err := image.ParseTag(f.tag)
	if err != nil {
		return fmt.Errorf("image build: --tag: %w", err)
	}
	res, err := image.Build(ctx, opts)
	if err != nil {
		return fmt.Errorf("image build: %w", err)
	}
	d, err := res.Digest()
	if err != nil {
		return fmt.Errorf("image build: %w", err)
	}
	var names []string
	for _, p := range plats {
		names = append(names, p.String())
	}
	fmt.Fprintf(w, "image %s %s (%s), version %s, created %s\n", ref, d, strings.Join(names, ", "), opts.Version, opts.Created.Format("2006-01-02T15:04:05Z"))
	if f.output != "" {
		if err := image.Write(f.output, format, res, ref); err != nil {
			return fmt.Errorf("image build: %w", err)
		}
		fmt.Fprintf(w, "wrote %s (%s)\n", f.output, format)
	}
	if f.load {
		engine, err := image.FindEngine(ctx)
		if err != nil {
			return fmt.Errorf("image build: %w", err)
		}
		out, err := image.Load(ctx, engine, res, ref)
		if err != nil {
			return fmt.Errorf("image build: %w", err)
		}
		fmt.Fprintf(w, "loaded into %s: %s\n", filepath.Base(engine), lastLineOf(out))
	}
	if f.push != "" {
		fmt.Fprintf(errw, "pushing to %s\n", f.push)
		pushed, err := image.Push(ctx, res.Index, f.push, f.insecure)
		if err != nil {
			return fmt.Errorf("image build: %w", err)
		}
		fmt.Fprintf(w, "pushed %s\n", pushed)
	}
	return nil
}

// splitList splits comma-separated values of a repeatable flag.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func lastLineOf(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}
