package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/plugins"
	"github.com/edgectl/edgectl/runtime/worker"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

type workerFlags struct {
	listen, metricsListen string
	dataDir               string
	token, tokenFile      string
	tlsCert, tlsKey       string
	clientCA              string
	threads               int
	plugin, pluginSHA     string
	deviceClass           string
	bundle, device        string
	pubkey                string
	requireSig            bool
	drain                 time.Duration
}

func workerCommand() *cli.Command {
	return &cli.Command{
		Name:  "worker",
		Usage: "serve tiles of partitioned models to coordinators over gRPC",
		Description: "Serves the edgectl worker protocol (docs/worker.md) and the standard gRPC health\n" +
			"service on --listen. Every call but the health check needs the shared token\n" +
			"(--token, --token-file or $EDGECTL_TOKEN) or, with --client-ca, a client\n" +
			"certificate that CA signed. Models, uploads and model paths stay inside\n" +
			"--data-dir (a temporary directory, removed on exit, when not given). With\n" +
			"--bundle APP.tar|DIR --device NAME the worker first places that device's shard of\n" +
			"the bundle's model in --data-dir, reading only the weights of its stages, and\n" +
			"takes its class's plugin from the bundle (docs/deploy.md).\n" +
			"Prints \"edgectl worker listening on HOST:PORT\" once it serves.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Usage: "gRPC `ADDR` (host:port; port 0 picks a free one)", Value: "127.0.0.1:7070"},
			&cli.StringFlag{Name: "data-dir", Usage: "the only `DIR` the worker reads and writes"},
			&cli.StringFlag{Name: "token", Usage: "shared `TOKEN` (visible in ps; prefer --token-file or $EDGECTL_TOKEN)"},
			&cli.StringFlag{Name: "token-file", Usage: "read the shared token from `FILE`"},
			&cli.StringFlag{Name: "tls-cert", Usage: "serve TLS with this certificate `FILE` (PEM)"},
			&cli.StringFlag{Name: "tls-key", Usage: "private key `FILE` of --tls-cert"},
			&cli.StringFlag{Name: "client-ca", Usage: "accept clients presenting a certificate signed by this CA `FILE` (mTLS); also verifies peers"},
			&cli.StringFlag{Name: "metrics-listen", Usage: "serve Prometheus metrics on http://`ADDR`/metrics"},
			threadsFlag(),
			&cli.StringFlag{Name: "device-class", Usage: "this device's `CLASS` (e.g. rpi4, jetson-nano), logged with its plugin"},
			&cli.StringFlag{Name: "plugin", Usage: "Wasm kernel plugin `FILE` that serves this device class (needs --plugin-sha256)"},
			&cli.StringFlag{Name: "plugin-sha256", Usage: "the plugin's sha256 `DIGEST` (hex); a plugin whose digest differs is refused"},
			&cli.StringFlag{Name: "bundle", Usage: "serve the model of bundle `APP.tar` or folder (edgectl bundle): only --device's weights are read"},
			&cli.StringFlag{Name: "device", Usage: "with --bundle: the plan device `NAME` this worker is"},
			&cli.StringFlag{Name: "pubkey", Usage: "with --bundle: check its signature with this public key `FILE`"},
			&cli.BoolFlag{Name: "require-signature", Usage: "with --bundle: refuse it unless --pubkey signed it"},
			&cli.DurationFlag{Name: "drain", Usage: "on SIGTERM or interrupt, report not serving and take no new session, but run the open sessions' jobs until their coordinators close them, for at most `DURATION` (a roll loses no frame)"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() > 0 {
				return fmt.Errorf("worker: unexpected arguments %v (see edgectl worker --help)", cmd.Args().Slice())
			}
			f := workerFlags{
				listen: cmd.String("listen"), metricsListen: cmd.String("metrics-listen"), dataDir: cmd.String("data-dir"),
				token: cmd.String("token"), tokenFile: cmd.String("token-file"),
				tlsCert: cmd.String("tls-cert"), tlsKey: cmd.String("tls-key"), clientCA: cmd.String("client-ca"),
				threads: int(cmd.Int("threads")),
				plugin:  cmd.String("plugin"), pluginSHA: cmd.String("plugin-sha256"), deviceClass: cmd.String("device-class"),
				bundle: cmd.String("bundle"), device: cmd.String("device"), pubkey: cmd.String("pubkey"), requireSig: cmd.Bool("require-signature"),
				drain: cmd.Duration("drain"),
			}
			if f.bundle == "" && (f.device != "" || f.pubkey != "" || f.requireSig) {
				return fmt.Errorf("worker: --device, --pubkey and --require-signature go with --bundle")
			}
			if (f.plugin == "") != (f.pluginSHA == "") {
				return fmt.Errorf("worker: --plugin and --plugin-sha256 go together")
			}
			return runWorker(ctx, cmd.Root().Writer, cmd.Root().ErrWriter, f)
		},
	}
}

func runWorker(ctx context.Context, stdout, stderr io.Writer, f workerFlags) error {
	token, err := worker.ResolveToken(f.token, f.tokenFile)
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	dir := f.dataDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "edgectl-worker-"); err != nil {
			return fmt.Errorf("worker: %w", err)
		}
		defer os.RemoveAll(dir)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg := worker.Config{DataDir: dir, Token: token, TLSCert: f.tlsCert, TLSKey: f.tlsKey, ClientCA: f.clientCA,
		Threads: f.threads, Log: log, Drain: f.drain}
	if f.bundle != "" {
		if err := workerFromBundle(&cfg, &f, dir, log, stderr); err != nil {
			return fmt.Errorf("worker: %w", err)
		}
	}
	if f.plugin != "" {
		// The plugin is checked against its digest and the native kernels
		// before the worker serves anything.
		p, err := plugins.Open(f.plugin, f.pluginSHA, plugins.Options{})
		if err != nil {
			return fmt.Errorf("worker: %w", err)
		}
		defer p.Close()
		cfg.Kernels = plugins.Impls(p)
		log.Info("plugin loaded", "device_class", f.deviceClass, "plugin", f.plugin, "sha256", f.pluginSHA)
	}
	return worker.Run(ctx, cfg, f.listen, f.metricsListen, func(addr, metrics string) {
		fmt.Fprintf(stdout, "%s%s\n", worker.ListenBanner, addr)
		if metrics != "" {
			fmt.Fprintf(stdout, "metrics on http://%s/metrics\n", metrics)
		}
	})
}

// LocalWorkers is the provider of local worker processes: exe (this
// executable when empty) run with args (["worker"] when nil) and the worker
// flags of each launch, env added to their environment. The flags are this
// command's, so the coordinator library does not spell them.
func LocalWorkers(exe string, args, env []string, threads int, logs io.Writer) (coord.LocalOptions, error) {
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return coord.LocalOptions{}, fmt.Errorf("local workers: %w", err)
		}
	}
	if args == nil {
		args = []string{"worker"}
	}
	command := func(l coord.WorkerLaunch) *exec.Cmd {
		a := append(append([]string(nil), args...), "--listen", l.Listen, "--data-dir", l.DataDir)
		if l.Threads > 0 {
			a = append(a, "--threads", strconv.Itoa(l.Threads))
		}
		return exec.Command(exe, a...)
	}
	return coord.LocalOptions{Command: command, Threads: threads, Env: env, Stderr: logs}, nil
}
