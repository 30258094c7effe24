package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/kube/bundle"
	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// bundleModel places device's shard of b in dir (bundle.PlaceModel) and
// loads the graph from it (without the weights the shard lacks), and the
// bundle's plan.
func bundleModel(b *bundle.Bundle, device, dir string) (*graphir.Graph, *graphir.Plan, *bundle.Shard, error) {
	data, err := b.ReadFile(bundle.PlanPath)
	if err != nil {
		return nil, nil, nil, err
	}
	plan, err := graphir.DecodePlanFile(bundle.PlanPath, data)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("bundle %s: %w", b.Path, err)
	}
	s, err := b.PlaceModel(device, dir)
	if err != nil {
		return nil, nil, nil, err
	}
	g, err := importer.LoadFile(filepath.Join(dir, "models", s.Model), importer.Options{SkipConst: func(n string) bool { return !s.Has(n, nil) }})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("bundle %s: %w", b.Path, err)
	}
	return g, plan, s, nil
}

// runFromBundle is `edgectl run --bundle`: the coordinator reads only the
// graph and the common weights; local workers (--local N, each started
// with `worker --bundle B --device D`) or remote ones (--worker, or the
// addresses in the bundle's cluster file) hold their own shards already.
func runFromBundle(ctx context.Context, cmd *cli.Command, w, errw io.Writer, f runFlags) error {
	switch {
	case f.plan != "" || f.cluster != "" || f.grid != "":
		return fmt.Errorf("run: --bundle brings the plan and cluster file: it excludes --plan, --cluster and --grid")
	case f.model != "":
		return fmt.Errorf("run: with --bundle, give no MODEL (the bundle holds it)")
	case f.local > 0 && len(f.workers) > 0:
		return fmt.Errorf("run: --local and --worker exclude each other")
	case f.local < 0:
		return fmt.Errorf("run: --local %d: want a positive number of workers", f.local)
	case f.frames < 1:
		return fmt.Errorf("run: --frames %d: want at least 1", f.frames)
	case f.baseline:
		return fmt.Errorf("run: --baseline needs the whole model: run it without --bundle")
	}
	b, err := openBundle(f.bundle, cmd.String("pubkey"), cmd.Bool("require-signature"), errw)
	if err != nil {
		return err
	}
	defer b.Close()
	dir, err := os.MkdirTemp("", "edgectl-coordinator-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	device := ""
	if f.check {
		device = bundle.AllDevices
	}
	g, plan, shard, err := bundleModel(b, device, dir)
	if err != nil {
		return err
	}
	inputs, err := readInputs(g, f.bundle, f.inputs, f.outputs)
	if err != nil {
		return err
	}
	cfg := coord.RunConfig{Graph: g, Plan: plan, Workers: f.workers, Inputs: inputs, Frames: f.frames,
		Session: coord.Options{TileTimeout: f.tileTimeout, NoMerge: f.noMerge, Window: f.window, Model: shard.Model}}
	if f.local > 0 {
		if cfg.Provider, err = bundleWorkers(f.bundle, plan, f.local, f.threads, cmd, f.verbose, errw); err != nil {
			return err
		}
		cfg.Devices = f.local
	} else {
		c, err := bundleCluster(b)
		if err != nil {
			return err
		}
		if len(cfg.Workers) == 0 {
			if cfg.Workers, err = clusterWorkers(c, plan); err != nil {
				return fmt.Errorf("run: %w (or give --worker DEVICE=ADDR)", err)
			}
		}
		a := authFlags{token: f.token, tokenFile: f.tokenFile, tlsCert: f.tlsCert, tlsKey: f.tlsKey, ca: f.ca}
		if cfg.Auth, err = workerAuth(a, nil); err != nil {
			return fmt.Errorf("run: %w", err)
		}
	}
	if f.verbose {
		cfg.Session.Log = errw
	}
	if f.trace != "" {
		cfg.Session.Trace = coord.NewTrace()
	}
	res, err := coord.RunGraph(ctx, cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", f.bundle, err)
	}
	if f.trace != "" {
		if err := writeTrace(f.trace, cfg.Session.Trace); err != nil {
			return err
		}
	}
	out := res.Outputs[len(res.Outputs)-1]
	if err := printOutputs(w, g, out, f.outputs); err != nil {
		return err
	}
	fmt.Fprintf(w, "bundle %s: %d stages on %d devices, coordinator read %d weight bytes\n", b.Meta.Name, len(plan.Stages), len(b.Meta.Devices), shard.Bytes)
	res.Report.Format(w)
	if f.check {
		return checkOutputs(ctx, w, g, inputs, out)
	}
	return nil
}

// bundleCluster is the bundle's cluster file.
func bundleCluster(b *bundle.Bundle) (*cluster.Cluster, error) {
	data, err := b.ReadFile(bundle.ClusterPath)
	if err != nil {
		return nil, err
	}
	return cluster.Decode(b.Path+":"+bundle.ClusterPath, data)
}

// printOutputs writes or previews the outputs, as run does.
func printOutputs(w io.Writer, g *graphir.Graph, out map[string]*graphir.Tensor, files []string) error {
	for i, v := range g.Outputs {
		t := out[v.Name]
		if len(files) > 0 {
			if err := importer.WriteTensorFile(files[i], t, v.Name); err != nil {
				return err
			}
			fmt.Fprintf(w, "output %s %v -> %s\n", v.Name, t.Shape, files[i])
			continue
		}
		fmt.Fprintf(w, "output %s %s%v %s\n", v.Name, t.DType, t.Shape, preview(t))
	}
	return nil
}

// bundleWorkers starts n local workers, worker i holding the shard of the
// plan device mapped to it (coord.DeviceMap).
func bundleWorkers(path string, plan *graphir.Plan, n, threads int, cmd *cli.Command, verbose bool, errw io.Writer) (coord.LocalOptions, error) {
	exe, err := os.Executable()
	if err != nil {
		return coord.LocalOptions{}, fmt.Errorf("local workers: %w", err)
	}
	m, err := coord.DeviceMap(plan, n)
	if err != nil {
		return coord.LocalOptions{}, fmt.Errorf("run: %w", err)
	}
	device := make([]string, n)
	for name, i := range m {
		if used(plan, name) {
			device[i] = name
		}
	}
	for i, d := range device {
		if d == "" { // a worker without tiles: give it any shard
			device[i] = plan.Stages[0].Split.Devices[0]
		}
	}
	var sig []string
	if k := cmd.String("pubkey"); k != "" {
		sig = append(sig, "--pubkey", k)
		if cmd.Bool("require-signature") {
			sig = append(sig, "--require-signature")
		}
	}
	command := func(l coord.WorkerLaunch) *exec.Cmd {
		a := []string{"worker", "--listen", l.Listen, "--data-dir", l.DataDir, "--bundle", path, "--device", device[l.Index]}
		a = append(a, sig...)
		if l.Threads > 0 {
			a = append(a, "--threads", strconv.Itoa(l.Threads))
		}
		return exec.Command(exe, a...)
	}
	var logs io.Writer
	if verbose {
		logs = errw
	}
	return coord.LocalOptions{Command: command, Threads: threads, Stderr: logs}, nil
}

func used(plan *graphir.Plan, device string) bool {
	for _, st := range plan.Stages {
		for _, d := range st.Split.Devices {
			if d == device {
				return true
			}
		}
	}
	return false
}
