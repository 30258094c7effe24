package planner

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Format prints the plan as a table: per stage its mode, split, devices,
// tiles and predicted dispatch, communication and compute; the total, and
// the one-device latency beside it.
func (r *Result) Format(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "stage\tmode\tsplit\tdevices\tnodes\tcompute ms\tcomm ms\tmsgs\tMB\trtt ms\ttotal ms")
	for i, st := range r.Stages {
		nodes := ""
		if i < len(r.Plan.Stages) {
			ps := r.Plan.Stages[i]
			if ps.To != "" {
				nodes = "to " + ps.To
			} else {
				nodes = fmt.Sprintf("%d nodes", len(ps.Nodes))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.2f\t%.2f\t%d\t%.2f\t%.2f\t%.2f\n", st.Name, st.Mode, st.Split,
			devices(st.Devices), nodes, ms(st.Compute), ms(st.Comm.Seconds), st.Comm.Messages, st.Comm.Bytes/1e6, ms(st.RTT), ms(st.Total()))
	}
	fmt.Fprintf(tw, "outputs\t\t\tcoordinator\t\t\t%.2f\t%d\t%.2f\t\t%.2f\n", ms(r.Gather.Seconds), r.Gather.Messages, r.Gather.Bytes/1e6, ms(r.Gather.Seconds))
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "predicted latency: %.2f ms a frame (one device, %s: %.2f ms; speed-up %.2fx); streamed: a frame every %.2f ms (%.2f frames/s)\n",
		ms(r.Latency), r.SingleDevice, ms(r.Single), r.Single/max(r.Latency, 1e-12), ms(r.Period), 1/max(r.Period, 1e-12))
	return err
}

func ms(s float64) float64 { return s * 1e3 }

// devices shortens a per-tile device list: "dev-0..dev-3" for a run of
// names ending in consecutive numbers, else the names.
func devices(d []string) string {
	if len(d) == 0 {
		return ""
	}
	seen := map[string]bool{}
	var uniq []string
	for _, x := range d {
		if !seen[x] {
			seen[x] = true
			uniq = append(uniq, x)
		}
	}
	if len(uniq) <= 2 {
		return strings.Join(uniq, ",")
	}
	return fmt.Sprintf("%s..%s (%d)", uniq[0], uniq[len(uniq)-1], len(uniq))
}
