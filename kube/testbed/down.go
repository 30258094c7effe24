package testbed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/edgectl/edgectl/kube/containers"
)

// Down removes everything the testbed in dir made, as its state file
// lists it: containers (also any carrying its label), the network, ifb
// devices (the qdiscs on ports and bridge go with them), the fallback's
// processes and cgroups, and the workers' data directories; then the
// state file. It goes on past errors and reports them all; the state
// file stays when something could not be removed, so that down can run
// again.
func Down(ctx context.Context, dir string, r Runner, log io.Writer) error {
	st, err := LoadState(dir)
	if err != nil {
		return err
	}
	if r == nil {
		r = ExecRunner{}
	}
	if log == nil {
		log = io.Discard
	}
	var errs []error
	if st.Mode == "containers" {
		errs = append(errs, downContainers(ctx, st, log))
	}
	errs = append(errs, stopProcesses(st, log)...)
	for _, ifb := range st.IFBs {
		if linkExists(sysfs, ifb) {
			fmt.Fprintf(log, "testbed: removing ifb %s\n", ifb)
			errs = append(errs, apply(ctx, r, []Cmd{cmd("ip", "link", "del", ifb)}))
		}
	}
	errs = append(errs, removeCgroups(st)...)
	if st.DataRoot != "" {
		errs = append(errs, os.RemoveAll(st.DataRoot))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("testbed down: %w (the state file %s stays: run down again)", err, st.Path())
	}
	for _, f := range []string{"containers.conf", StateFile} {
		if err := os.Remove(filepath.Join(st.Dir(), f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// sysfs is where network interfaces are looked up (tests replace it).
var sysfs = "/sys"

// detect finds the container engine (tests replace it).
var detect = containers.Detect

// downContainers removes the testbed's containers and network.
func downContainers(ctx context.Context, st *State, log io.Writer) error {
	e, err := detect(ctx, containers.Options{Engine: st.Engine, PodmanConf: filepath.Join(st.Dir(), "containers.conf")})
	if err != nil {
		return err
	}
	names := slices.Clone(st.Containers)
	labelled, err := e.Containers(ctx, st.Label())
	if err != nil {
		return err
	}
	for _, n := range labelled {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	// Only names of this testbed: a label can be copied, its names cannot
	// be made by anyone else without its id.
	names = slices.DeleteFunc(names, func(n string) bool { return !strings.Contains(n, "-tb-"+st.ID+"-") })
	var errs []error
	if len(names) > 0 {
		fmt.Fprintf(log, "testbed: removing %d containers\n", len(names))
		errs = append(errs, e.Remove(ctx, names...))
	}
	nets := []string{}
	if st.Network != "" {
		nets = append(nets, st.Network)
	}
	if more, err := e.Networks(ctx, st.Label()); err == nil {
		for _, n := range more {
			if !slices.Contains(nets, n) && n == "edgectl-tb-"+st.ID {
				nets = append(nets, n)
			}
		}
	}
	for _, n := range nets {
		fmt.Fprintf(log, "testbed: removing network %s\n", n)
		errs = append(errs, e.RemoveNetwork(ctx, n))
	}
	return errors.Join(errs...)
}
