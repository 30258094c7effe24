package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/edgectl/edgectl/kube/testbed"
	"github.com/edgectl/edgectl/planner/cluster"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// testbedImage is the worker image the testbed runs, built from this
// checkout when missing (or with --build).
const testbedImage = "localhost/edgectl-testbed:latest"

type testbedFlags struct {
	dir       string
	devices   int
	cpu       float64
	classes   string
	memory    string
	bandwidth string
	medium    string
	period    time.Duration
	image     string
	engine    string
	build     bool
	local     bool
	noProfile bool
	reprofile bool
	noProbe   bool
	shares    int
}

// testbedSetupFlags are the flags of up and bench that say what testbed
// to make.
func testbedSetupFlags(bandwidthUsage string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "dir", Usage: "the testbed's `DIR` (state, token, cluster file, profiles; default ~/.cache/edgectl/testbed)"},
		&cli.IntFlag{Name: "devices", Usage: "number of devices `N` (with --class: their sum, or leave it out)"},
		&cli.FloatFlag{Name: "cpu", Value: 0.2, Usage: "CPU quota `F` of every device, a fraction of one core (on a core with AVX-512, 0.2 still computes several times as fast as a 1 GHz board core: see README, Testbed)"},
		&cli.StringFlag{Name: "class", Usage: "classes `NAME=COUNT:CPU[:MEM],...` in order, e.g. fast=3:0.3,mid=3:0.225,slow=2:0.15:1Gi"},
		&cli.StringFlag{Name: "memory", Value: "2Gi", Usage: "memory limit `SIZE` of every device (of a class without its own)"},
		&cli.StringFlag{Name: "bandwidth", Value: "100mbit", Usage: bandwidthUsage},
		&cli.StringFlag{Name: "medium", Value: cluster.Shared, Usage: "`shared` (one WiFi channel: all traffic through one token bucket) or switched (a link per device)"},
		&cli.DurationFlag{Name: "cpu-period", Value: testbed.DefaultCPUPeriod, Usage: "CFS `PERIOD` of the CPU quotas (short, so that short layers are throttled evenly)"},
		&cli.StringFlag{Name: "image", Value: testbedImage, Usage: "worker image `REF` (built from this checkout when missing)"},
		&cli.StringFlag{Name: "engine", Usage: "container `ENGINE`: podman or docker (default: the first that works)"},
		&cli.BoolFlag{Name: "build", Usage: "build and load the worker image from this checkout first"},
		&cli.BoolFlag{Name: "local", Usage: "use local worker processes even where containers work"},
		&cli.BoolFlag{Name: "no-profile", Usage: "do not profile the classes in place: plan with this machine's profile scaled by their CPU quota"},
		&cli.BoolFlag{Name: "reprofile", Usage: "profile the classes anew even where a profile of the same quota and period is cached"},
		&cli.IntFlag{Name: "cpu-shares", Value: testbed.DefaultCPUShares, Usage: "CPU `WEIGHT` of each device against this host's other processes (a busy host still gives every device its quota)"},
	}
}

func readTestbedFlags(cmd *cli.Command) (testbedFlags, error) {
	f := testbedFlags{dir: cmd.String("dir"), devices: int(cmd.Int("devices")), cpu: cmd.Float("cpu"), classes: cmd.String("class"),
		memory: cmd.String("memory"), bandwidth: cmd.String("bandwidth"), medium: cmd.String("medium"), period: cmd.Duration("cpu-period"),
		image: cmd.String("image"), engine: cmd.String("engine"), build: cmd.Bool("build"), local: cmd.Bool("local"),
		noProfile: cmd.Bool("no-profile"), reprofile: cmd.Bool("reprofile"), shares: int(cmd.Int("cpu-shares"))}
	if cmd.IsSet("cpu") && cmd.IsSet("class") {
		return f, errors.New("testbed: --cpu and --class exclude each other")
	}
	if f.dir == "" {
		f.dir = defaultTestbedDir("testbed")
	}
	return f, nil
}

func defaultTestbedDir(name string) string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "edgectl", name)
}

func testbedCommand() *cli.Command {
	return &cli.Command{
		Name:  "testbed",
		Usage: "an emulated edge cluster on this machine: device containers with CPU quotas on a shaped network",
		Description: "Runs each device as a container of the worker image (podman or docker) with a CPU\n" +
			"quota and a memory limit, on a bridge network whose traffic tc shapes like one WiFi\n" +
			"channel (--medium shared: all traffic through one token bucket) or a switch (a link\n" +
			"per device). Without root, tc or an engine it says so and runs local worker processes\n" +
			"with CPU quotas and a rate-limiting relay instead. See README.md (Testbed).",
		Commands: []*cli.Command{testbedUpCommand(), testbedDownCommand(), testbedClusterCommand(), testbedBenchCommand(), testbedFaultCommand(), testbedServeCommand()},
	}
}

func testbedUpCommand() *cli.Command {
	flags := append(testbedSetupFlags("network `RATE` in tc's units (10mbit, 100mbit, 1gbit)"),
		&cli.BoolFlag{Name: "no-probe", Usage: "write the shaped rate instead of measuring the network"})
	return &cli.Command{
		Name:  "up",
		Usage: "start the devices, profile each class in place, probe the network and write a cluster file",
		Description: "Starts --devices N containers (or the --class list) on a network of its own shaped to\n" +
			"--bandwidth, profiles each class on one of its devices (edgectl profile --worker), measures\n" +
			"the links (edgectl netprobe) and writes DIR/cluster.yaml for edgectl plan and run\n" +
			"--cluster; its path is the last line printed. Everything it makes is recorded in\n" +
			"DIR/state.json first, so that edgectl testbed down removes it, also after a crash.",
		Flags: flags,
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.Args().Len() > 0 {
				return fmt.Errorf("testbed up: unexpected arguments %v", cmd.Args().Slice())
			}
			f, err := readTestbedFlags(cmd)
			if err != nil {
				return err
			}
			f.noProbe = cmd.Bool("no-probe")
			return runTestbedUp(ctx, cmd.Root().Writer, cmd.Root().ErrWriter, f)
		},
	}
}

func runTestbedUp(ctx context.Context, w, errw io.Writer, f testbedFlags) error {
	cfg, err := testbedConfig(ctx, errw, f)
	if err != nil {
		return err
	}
	bw, _ := cluster.ParseBandwidth(f.bandwidth)
	cfg.Bandwidth = int64(bw)
	path, err := testbed.Up(ctx, cfg, testbed.UpOptions{NoProfile: f.noProfile, NoProbe: f.noProbe,
		ProfileCache: defaultTestbedDir("testbed-profiles"), Reprofile: f.reprofile,
		Probe: coord.ProbeOptions{Progress: func(i, n int, p coord.ProbePair) {
			fmt.Fprintf(errw, "measuring %s -> %s (%d/%d)\n", p.From.Name, p.To.Name, i+1, n)
		}},
		ProfileProgress: profileProgress(errw)})
	if err != nil {
		return testbedError(err)
	}
	st, err := testbed.LoadState(cfg.Dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "testbed %s: %d devices (%s), %s %s network; edgectl testbed down --dir %s removes it\n",
		st.ID, len(st.Devices), classSummary(st.Classes), bitString(st.Bandwidth), st.Medium, cfg.Dir)
	fmt.Fprintln(w, path)
	return nil
}

// testbedConfig turns the flags into a testbed.Config, building the
// worker image first when it is missing or --build asks.
func testbedConfig(ctx context.Context, errw io.Writer, f testbedFlags) (testbed.Config, error) {
	mem, err := cluster.ParseBytes(f.memory)
	if err != nil {
		return testbed.Config{}, fmt.Errorf("testbed: --memory: %w", err)
	}
	if _, err := cluster.ParseBandwidth(strings.Split(f.bandwidth, ",")[0]); err != nil {
		return testbed.Config{}, fmt.Errorf("testbed: --bandwidth: %w", err)
	}
	var classes []testbed.Class
	if f.classes != "" {
		if classes, err = parseTestbedClasses(f.classes, int64(mem)); err != nil {
			return testbed.Config{}, err
		}
		if f.devices != 0 && f.devices != testbed.DeviceCount(classes) {
			return testbed.Config{}, fmt.Errorf("testbed: --devices %d, but the classes have %d", f.devices, testbed.DeviceCount(classes))
		}
	} else {
		if f.devices < 1 {
			return testbed.Config{}, fmt.Errorf("testbed: --devices %d: want at least 1 (or give --class)", f.devices)
		}
		classes = []testbed.Class{{Name: "cpu", Count: f.devices, CPUs: f.cpu, Memory: int64(mem)}}
	}
	cfg := testbed.Config{Dir: f.dir, Classes: classes, Medium: f.medium, CPUPeriod: f.period, Image: f.image,
		Engine: f.engine, Threads: 1, Local: f.local, Log: errw, CPUShares: f.shares}
	if cfg.Worker, cfg.Supervisor, err = testbedLocal(); err != nil {
		return testbed.Config{}, err
	}
	if !f.local {
		if err := ensureTestbedImage(ctx, errw, f); err != nil {
			fmt.Fprintf(errw, "edgectl: testbed: %v\n", err)
		}
	}
	return cfg, nil
}

// ensureTestbedImage builds the worker image for this machine's platform
// from this checkout and loads it, when --build asks or the engine lacks
// it.
func ensureTestbedImage(ctx context.Context, errw io.Writer, f testbedFlags) error {
	if !f.build {
		if ok, err := testbed.ImageExists(ctx, f.engine, f.image); err != nil || ok {
			return err
		}
		fmt.Fprintf(errw, "testbed: the engine has no image %s: building it from this checkout\n", f.image)
	}
	return runImageBuild(ctx, errw, errw, imageFlags{platforms: []string{"linux/" + goruntime.GOARCH}, tag: f.image, load: true})
}

// parseTestbedClasses reads NAME=COUNT:CPU[:MEM],...
func parseTestbedClasses(s string, mem int64) ([]testbed.Class, error) {
	var out []testbed.Class
	for _, spec := range strings.Split(s, ",") {
		name, rest, ok := strings.Cut(strings.TrimSpace(spec), "=")
		parts := strings.Split(rest, ":")
		bad := fmt.Errorf("testbed: --class %q: want NAME=COUNT:CPU[:MEM], e.g. pi4=3:0.4:2Gi", spec)
		if !ok || name == "" || len(parts) < 2 || len(parts) > 3 {
			return nil, bad
		}
		n, err1 := strconv.Atoi(parts[0])
		cpu, err2 := strconv.ParseFloat(parts[1], 64)
		if err1 != nil || err2 != nil {
			return nil, bad
		}
		c := testbed.Class{Name: name, Count: n, CPUs: cpu, Memory: mem}
		if len(parts) == 3 {
			b, err := cluster.ParseBytes(parts[2])
			if err != nil {
				return nil, fmt.Errorf("testbed: --class %q: memory: %w", spec, err)
			}
			c.Memory = int64(b)
		}
		out = append(out, c)
	}
	return out, nil
}

func classSummary(cs []testbed.Class) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s %dx %g cpu", c.Name, c.Count, c.CPUs))
	}
	return strings.Join(parts, ", ")
}

func bitString(b int64) string { return cluster.Bandwidth(b).String() }

// profileProgress prints a profile's progress, one line per tenth.
func profileProgress(errw io.Writer) func(class string, done, total int, what string) {
	last := map[string]int{}
	return func(class string, done, total int, what string) {
		if total <= 0 {
			return
		}
		if step := done * 10 / total; step != last[class] || done == total {
			last[class] = step
			fmt.Fprintf(errw, "profiling %s: %d/%d %s\n", class, done, total, what)
		}
	}
}

// testbedError adds what to do to a testbed error.
func testbedError(err error) error {
	var fb *testbed.FallbackError
	if errors.As(err, &fb) {
		return fmt.Errorf("testbed: %w (run as root with podman or docker and iproute2 installed, or pass --local)", err)
	}
	return err
}

func testbedDownCommand() *cli.Command {
	return &cli.Command{
		Name:  "down",
		Usage: "remove every container, network, ifb, qdisc and process the testbed made",
		Description: "Removes what DIR/state.json lists (containers, also any with the testbed's label,\n" +
			"its network and bridge, ifb devices and with them every qdisc, the fallback's processes\n" +
			"and cgroups, the workers' data) and nothing else; the cluster file, token and profiles\n" +
			"stay. Safe to run again after a failure or a crash.",
		Flags: []cli.Flag{&cli.StringFlag{Name: "dir", Usage: "the testbed's `DIR` (default ~/.cache/edgectl/testbed)"}},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			dir := cmd.String("dir")
			if dir == "" {
				dir = defaultTestbedDir("testbed")
			}
			if err := testbed.Down(ctx, dir, nil, cmd.Root().ErrWriter); err != nil {
				return err
			}
			fmt.Fprintf(cmd.Root().Writer, "testbed in %s removed\n", dir)
			return nil
		},
	}
}

func testbedClusterCommand() *cli.Command {
	return &cli.Command{
		Name:  "cluster",
		Usage: "write the cluster file of the running testbed's first N devices",
		Description: "Writes a cluster file like DIR/cluster.yaml with only the first --devices N devices\n" +
			"(e.g. one, to plan and run on one device for comparison); its path is printed.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Usage: "the testbed's `DIR` (default ~/.cache/edgectl/testbed)"},
			&cli.IntFlag{Name: "devices", Usage: "the first `N` devices", Required: true},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` (default DIR/cluster-N.yaml)"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			dir := cmd.String("dir")
			if dir == "" {
				dir = defaultTestbedDir("testbed")
			}
			return runTestbedCluster(ctx, cmd.Root().Writer, dir, int(cmd.Int("devices")), cmd.String("output"))
		},
	}
}

func runTestbedCluster(ctx context.Context, w io.Writer, dir string, n int, out string) error {
	tb, err := testbed.Open(ctx, dir, nil, nil)
	if err != nil {
		return err
	}
	full, err := cluster.Load(filepath.Join(dir, "cluster.yaml"))
	if err != nil {
		return err
	}
	profiled := map[string]bool{}
	for _, c := range full.Classes {
		profiled[c.Name] = c.Profile != ""
	}
	c, err := tb.Cluster(n, full.Network, profiled)
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(dir, fmt.Sprintf("cluster-%d.yaml", n))
	} else if out, err = filepath.Abs(out); err != nil {
		return err
	}
	if filepath.Dir(out) != tb.State().Dir() {
		return fmt.Errorf("testbed cluster: -o %s: write it into the testbed's folder %s (its paths are relative to it)", out, tb.State().Dir())
	}
	if err := tb.WriteCluster(out, c); err != nil {
		return err
	}
	fmt.Fprintln(w, out)
	return nil
}

// testbedLocal is the fallback's worker command (this executable's
// worker) and its supervisor's (this executable's testbed serve).
func testbedLocal() (coord.CommandFunc, func(dir string) *exec.Cmd, error) {
	local, err := LocalWorkers("", nil, nil, 1, nil)
	if err != nil {
		return nil, nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	return local.Command, func(dir string) *exec.Cmd { return exec.Command(exe, "testbed", "serve", "--dir", dir) }, nil
}

func testbedServeCommand() *cli.Command {
	return &cli.Command{
		Name:   "serve",
		Usage:  "run the local fallback's devices until stopped (started by testbed up, stopped by testbed down)",
		Hidden: true,
		Flags:  []cli.Flag{&cli.StringFlag{Name: "dir", Required: true}},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			worker, _, err := testbedLocal()
			if err != nil {
				return err
			}
			return testbed.Serve(ctx, cmd.String("dir"), worker, cmd.Root().ErrWriter)
		},
	}
}
