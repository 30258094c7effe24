package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

type netprobeFlags struct {
	cluster string
	addrs   []string
	write   bool
	output  string
	all     bool
	sizes   []int64
	repeats int
	auth    authFlags
}

func netprobeCommand() *cli.Command {
	return &cli.Command{
		Name:      "netprobe",
		Usage:     "measure bandwidth and per-message cost between running workers",
		ArgsUsage: "[ADDR...]",
		Description: "Measures the links between the workers of --cluster FILE (or at ADDR...): each\n" +
			"device sends probe messages to the next (the last to the first), and this machine to\n" +
			"each device (--all: every pair of devices). A link is timed message by message like\n" +
			"tile traffic (one stream, data in 1 MiB chunks, the receiver's reply), over --sizes,\n" +
			"each --repeats times, one link at a time; the fit t = bytes/bandwidth + perMessage\n" +
			"gives the bandwidth from each size's median and the per-message cost from the smallest\n" +
			"sizes' fastest times (delays only add), the empty messages the round trip. Prints a\n" +
			"table; --write puts the results into the cluster file's network section (global\n" +
			"values, and overrides for links that differ clearly), keeping its comments; -o writes\n" +
			"the edited file elsewhere.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "cluster", Usage: "cluster `FILE` whose devices' workers to measure"},
			&cli.BoolFlag{Name: "write", Usage: "write the results into the cluster file"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the cluster file with the results to `FILE`"},
			&cli.BoolFlag{Name: "all", Usage: "measure every ordered pair of devices, not only each to the next"},
			&cli.StringFlag{Name: "sizes", Usage: "message `SIZES`, comma-separated (0 is the round trip; default 0,16Ki,64Ki,256Ki,1Mi,4Mi)"},
			&cli.IntFlag{Name: "repeats", Value: 5, Usage: "times each size is sent (the fit takes medians and minima of the repeats)"},
			&cli.StringFlag{Name: "token", Usage: "shared `TOKEN` of the workers (default: the cluster file's, --token-file, $EDGECTL_TOKEN)"},
			&cli.StringFlag{Name: "token-file", Usage: "read the shared token from `FILE`"},
			&cli.StringFlag{Name: "tls-cert", Usage: "client certificate `FILE` (mTLS)"},
			&cli.StringFlag{Name: "tls-key", Usage: "private key `FILE` of --tls-cert"},
			&cli.StringFlag{Name: "ca", Usage: "CA `FILE` that signed the workers' certificates (enables TLS)"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			f := netprobeFlags{cluster: cmd.String("cluster"), addrs: cmd.Args().Slice(), write: cmd.Bool("write"),
				output: cmd.String("output"), all: cmd.Bool("all"), repeats: int(cmd.Int("repeats")),
				auth: authFlags{token: cmd.String("token"), tokenFile: cmd.String("token-file"),
					tlsCert: cmd.String("tls-cert"), tlsKey: cmd.String("tls-key"), ca: cmd.String("ca")}}
			if s := cmd.String("sizes"); s != "" {
				for _, p := range strings.Split(s, ",") {
					n, err := cluster.ParseBytes(p)
					if err != nil {
						return fmt.Errorf("netprobe: --sizes: %w", err)
					}
					f.sizes = append(f.sizes, int64(n))
				}
			}
			return runNetprobe(ctx, cmd.Root().Writer, cmd.Root().ErrWriter, f)
		},
	}
}

func runNetprobe(ctx context.Context, w, errw io.Writer, f netprobeFlags) error {
	switch {
	case (f.cluster == "") == (len(f.addrs) == 0):
		return errors.New("netprobe: give --cluster FILE or worker addresses (see edgectl netprobe --help)")
	case (f.write || f.output != "") && f.cluster == "":
		return errors.New("netprobe: --write and -o edit a cluster file: give --cluster FILE")
	case f.write && f.output != "":
		return errors.New("netprobe: --write and -o exclude each other")
	case f.repeats < 1:
		return fmt.Errorf("netprobe: --repeats %d: want at least 1", f.repeats)
	}
	var c *cluster.Cluster
	var devs []coord.Endpoint
	if f.cluster != "" {
		var err error
		if c, err = cluster.Load(f.cluster); err != nil {
			return err
		}
		names := make([]string, len(c.Devices))
		for i, d := range c.Devices {
			names[i] = d.Name
		}
		addrs, err := c.Addresses(names)
		if err != nil {
			return fmt.Errorf("netprobe: %w", err)
		}
		for _, n := range names {
			devs = append(devs, coord.Endpoint{Name: n, Addr: addrs[n]})
		}
	} else {
		for _, a := range f.addrs {
			devs = append(devs, coord.Endpoint{Name: a, Addr: a})
		}
	}
	a, err := workerAuth(f.auth, c)
	if err != nil {
		return fmt.Errorf("netprobe: %w", err)
	}
	pairs := coord.RingPairs(devs, cluster.Coordinator)
	if f.all {
		pairs = coord.AllPairs(devs, cluster.Coordinator)
	}
	res, err := coord.ProbeLinks(ctx, a, pairs, coord.ProbeOptions{Sizes: f.sizes, Repeats: f.repeats,
		Progress: func(i, n int, p coord.ProbePair) {
			fmt.Fprintf(errw, "measuring %s -> %s (%d/%d)\n", p.From.Name, p.To.Name, i+1, n)
		}})
	coord.FormatProbe(w, res)
	if err != nil {
		return fmt.Errorf("netprobe: %w", err)
	}
	var failed []error
	var measured []cluster.Measured
	for _, r := range res {
		if r.Err != nil {
			failed = append(failed, r.Err)
			continue
		}
		measured = append(measured, cluster.Measured{From: r.From.Name, To: r.To.Name, Bandwidth: cluster.Bandwidth(r.BitsPerSec),
			RTT: cluster.Duration(r.RTT), PerMessage: cluster.Duration(r.PerMessage)})
	}
	if len(failed) > 0 {
		return fmt.Errorf("netprobe: %d of %d links failed, nothing written: %w", len(failed), len(res), errors.Join(failed...))
	}
	if !f.write && f.output == "" {
		return nil
	}
	return writeNetwork(w, c, f, measured)
}

// writeNetwork writes the measured network into the cluster file (or a
// copy at -o), by way of a temporary file renamed over it.
func writeNetwork(w io.Writer, c *cluster.Cluster, f netprobeFlags, m []cluster.Measured) error {
	data, err := os.ReadFile(f.cluster)
	if err != nil {
		return err
	}
	n := c.Network.WithMeasured(m)
	note := fmt.Sprintf("%s on %s", cluster.NotePrefix, time.Now().Format("2006-01-02 15:04"))
	out, err := cluster.SetNetwork(f.cluster, data, n, note)
	if err != nil {
		return fmt.Errorf("netprobe: %w", err)
	}
	dst := f.output
	if f.write {
		dst = f.cluster
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".netprobe-*.yaml")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(out); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(dst); err == nil {
		mode = fi.Mode().Perm()
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote the network (bandwidth %s, rtt %s, perMessage %s, %d link overrides) to %s\n",
		n.Bandwidth, n.RTT, n.PerMessage, len(n.Links), dst)
	return nil
}
