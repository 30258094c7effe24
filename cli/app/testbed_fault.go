package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/kube/testbed"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/profile"
)

type testbedFaultFlags struct {
	testbedFlags
	model, input  string
	kill          string
	after, frames int
	strategy      string
	keep          bool
}

func testbedFaultCommand() *cli.Command {
	flags := append(testbedSetupFlags("network `RATE` in tc's units"),
		&cli.StringFlag{Name: "input", Aliases: []string{"i"}, Usage: "input tensor `FILE` (default: random, seeded)"},
		&cli.StringFlag{Name: "kill", Value: "dev-1", Usage: "the `DEVICE` to kill mid-stream"},
		&cli.IntFlag{Name: "after", Value: 3, Usage: "kill it once `K` frames are complete"},
		&cli.IntFlag{Name: "frames", Value: 12, Usage: "frames `N` to stream"},
		&cli.StringFlag{Name: "strategy", Value: "ours", Usage: "how to plan: ours, layerwise, fixed-grid, even"},
		&cli.BoolFlag{Name: "keep", Usage: "leave the testbed up afterwards"},
	)
	for _, f := range flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Name == "dir" {
			sf.Usage = "the fault run's testbed `DIR` (default ~/.cache/edgectl/testbed-fault)"
		}
	}
	return &cli.Command{
		Name:      "fault",
		Usage:     "kill a device mid-stream and check that every frame still arrives, right",
		ArgsUsage: "MODEL",
		Description: "Makes a testbed of --devices devices, plans MODEL on it, streams --frames frames and\n" +
			"kills --kill's worker (its container) once --after frames are complete. Prints the\n" +
			"coordinator's failover log (which device was lost, why, where its tiles went), how\n" +
			"many frames arrived and how many equal one device's; exits 1 unless all of them.",
		Flags: flags,
		Action: func(ctx context.Context, cmd *cli.Command) error {
			tf, err := readTestbedFlags(cmd)
			if err != nil {
				return err
			}
			if !cmd.IsSet("dir") {
				tf.dir = defaultTestbedDir("testbed-fault")
			}
			f := testbedFaultFlags{testbedFlags: tf, input: cmd.String("input"), kill: cmd.String("kill"), after: int(cmd.Int("after")),
				frames: int(cmd.Int("frames")), strategy: cmd.String("strategy"), keep: cmd.Bool("keep")}
			if f.model, err = oneArg(cmd, "model file"); err != nil {
				return err
			}
			return runTestbedFault(ctx, cmd.Root().Writer, cmd.Root().ErrWriter, f)
		},
	}
}

func runTestbedFault(ctx context.Context, w, errw io.Writer, f testbedFaultFlags) (err error) {
	g, err := importer.LoadFile(f.model, importer.Options{})
	if err != nil {
		return err
	}
	inputs, err := profile.RandomInputs(g, 1)
	if f.input != "" {
		inputs, err = readInputs(g, f.model, []string{f.input}, nil)
	}
	if err != nil {
		return err
	}
	cfg, err := testbedConfig(ctx, errw, f.testbedFlags)
	if err != nil {
		return err
	}
	bw, err := parseBandwidthFlag(f.bandwidth)
	if err != nil {
		return err
	}
	cfg.Bandwidth = bw
	n := testbed.DeviceCount(cfg.Classes)
	var kill int
	if _, err := fmt.Sscanf(f.kill, "dev-%d", &kill); err != nil || kill < 0 || kill >= n {
		return fmt.Errorf("testbed fault: --kill %q: want one of dev-0 to dev-%d", f.kill, n-1)
	}
	tb, err := testbed.Create(ctx, cfg)
	if err != nil {
		return testbedError(err)
	}
	if !f.keep {
		defer func() {
			if derr := testbed.Down(context.WithoutCancel(ctx), cfg.Dir, nil, errw); derr != nil {
				err = errors.Join(err, derr)
			}
		}()
	}
	var profiles map[string]*costmodel.Profile
	if !f.noProfile {
		if profiles, err = benchProfiles(ctx, errw, tb, testbedBenchFlags{testbedFlags: f.testbedFlags}); err != nil {
			return err
		}
	}
	res, err := tb.PlanOn(ctx, g, n, planner.Strategy(f.strategy), profiles,
		func(threads int) (*costmodel.Profile, error) { return localProfile(ctx, threads, errw) }, benchProbe)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "plan (%s): %s; predicted %.0f ms a frame\n", f.strategy, testbed.Summary(res), res.Latency*1e3)
	out, err := tb.Fault(ctx, testbed.FaultConfig{Graph: g, Inputs: inputs, Plan: res.Plan, Devices: n, Frames: f.frames,
		Kill: kill, After: f.after, Log: w})
	if out != nil && out.Report != nil {
		out.Report.Format(w)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "fault run: %s killed after %d frames; %d of %d frames arrived, %d equal one device's; %d failovers\n",
		out.Killed, f.after, out.Frames, f.frames, out.Right, len(out.Failovers))
	var lost []string
	for _, fo := range out.Failovers {
		lost = append(lost, fmt.Sprintf("worker %d = %s", fo.Worker, testbed.DeviceName(fo.Worker)))
	}
	if len(lost) > 0 {
		fmt.Fprintf(w, "lost: %s\n", strings.Join(lost, ", "))
	}
	if out.Frames != f.frames || out.Right != f.frames {
		return exitError{1}
	}
	return nil
}

func parseBandwidthFlag(s string) (int64, error) {
	bw, err := cluster.ParseBandwidth(s)
	if err != nil {
		return 0, fmt.Errorf("testbed: --bandwidth %q: %w", s, err)
	}
	return int64(bw), nil
}
