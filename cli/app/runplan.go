package app

import (
	"context"
	"fmt"
	"io"
	goruntime "runtime"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/runtime/profile"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// Local workers share this machine's cores over loopback. These are the
// loopback figures netprobe measured between two idle local workers here
// (2-core Zen 5 VM, quiet: 1.4-2.0 Gbit/s, 0.47-0.71 ms a message and a
// round trip; the gRPC stack's copies, not the wire, set them); a stage's
// dispatch (the coordinator hearing that a job is done and calling the
// next) took 1-3 ms in traces of VGG-16 on two workers.
const (
	loopbackBitsPerSec = 1.6e9
	loopbackPerMessage = 700 * time.Microsecond
	loopbackRTT        = time.Millisecond
)

// hostParallelism is measured once a process: the plan and the
// prediction printed beside the measured run must use the same figure.
var hostParallelism = sync.OnceValues(func() (float64, error) {
	return profile.Parallelism(context.Background(), goruntime.NumCPU())
})

// localThreads is each local worker's intra-op threads for threads (the
// --threads flag) and n workers, as LocalOptions gives them.
func localThreads(threads, n int) int {
	switch {
	case threads > 0:
		return threads
	case threads < 0:
		return goruntime.NumCPU()
	}
	return max(1, goruntime.NumCPU()/n)
}

// localCluster is the planner's model of n local workers: devices
// worker-0.. of this machine's profile at their threads, sharing its
// cores, on loopback. Without measure, a profile not measured yet is
// errNoProfile.
func localCluster(ctx context.Context, n, threads int, errw io.Writer, measure bool) (*planner.Cluster, error) {
	prof, err := machineProfile(ctx, localThreads(threads, n), errw, measure)
	if err != nil {
		return nil, err
	}
	// Workers computing at once slow each other down (shared caches,
	// memory bandwidth, a VM's vCPUs): measured, not the CPU count.
	cores, err := hostParallelism()
	if err != nil {
		return nil, fmt.Errorf("measuring how this machine's cores run at once: %w", err)
	}
	cl := &planner.Cluster{HostCores: cores, Net: planner.Network{Shared: false, RTT: loopbackRTT.Seconds(),
		Link: func(from, to int) planner.Link {
			return planner.Link{PerMessage: loopbackPerMessage.Seconds(), PerByte: 8 / loopbackBitsPerSec}
		}}}
	for i := range n {
		cl.Devices = append(cl.Devices, planner.Device{Name: graphir.DeviceID(i), Class: "local", Timer: prof})
	}
	return cl, nil
}

// localPlanner plans for the local workers with the search.
func localPlanner(ctx context.Context, threads int, errw io.Writer, w io.Writer) coord.Planner {
	return func(g *graphir.Graph, n int) (*graphir.Plan, error) {
		cl, err := localCluster(ctx, n, threads, errw, true)
		if err != nil {
			return nil, err
		}
		res, err := planner.Plan(g, cl, planner.Options{})
		if err != nil {
			return nil, err
		}
		if w != nil {
			fmt.Fprintf(w, "planned in %d ms: %d stages, predicted %.1f ms a frame (one worker %.1f ms)\n",
				res.Elapsed.Milliseconds(), len(res.Plan.Stages), res.Latency*1e3, res.Single*1e3)
		}
		return res.Plan, nil
	}
}

// formatFidelity prints each stage's predicted time beside the measured
// one (time/frame of the report), then the two parts a miss can come
// from: the predicted compute of the stage's slowest tile beside the
// measured compute of each frame's slowest job, and the rest (transfers,
// waits and round trips: the stage's time less that compute); and the
// predicted latency beside the measured median.
func formatFidelity(w io.Writer, pred *planner.Result, rep *coord.Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stage\tname\tpredicted ms\tmeasured ms\tmeasured/predicted\tcompute predicted\tmeasured\trest predicted\tmeasured\t")
	for i, st := range pred.Stages {
		if i >= len(rep.Stages) {
			break
		}
		m := rep.Stages[i]
		runs := float64(max(m.Runs, 1))
		meas := float64(m.Time) / runs / 1e6
		comp := float64(m.Slowest) / runs / 1e6
		fmt.Fprintf(tw, "%d\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t\n", i, st.Name, st.Total()*1e3, meas, meas/max(st.Total()*1e3, 1e-9),
			st.Compute*1e3, comp, (st.Total()-st.Compute)*1e3, max(0, meas-comp))
	}
	tw.Flush()
	lat := float64(rep.MedianLatency()) / 1e6
	_, err := fmt.Fprintf(w, "latency: predicted %.2f ms, measured %.2f ms (median of %d frames): measured/predicted %.2f\n",
		pred.Latency*1e3, lat, len(rep.Latency), lat/max(pred.Latency*1e3, 1e-9))
	return err
}
