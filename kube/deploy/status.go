package deploy

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/edgectl/edgectl/kube/manifest"
)

// PodStatus is one pod of an app.
type PodStatus struct {
	Name, Component, Device, Class, Node, Phase, IP string
	Ready                                           bool
	Restarts                                        int32
	Bundle                                          string
	// Metrics are the worker's counters (Counters), read through the API
	// server's pod proxy; MetricsErr says why they are missing.
	Metrics    map[string]float64
	MetricsErr error
}

// Counters are the worker metrics status shows, summed over labels.
var Counters = []string{"edgectl_worker_tiles_total", "edgectl_worker_bytes_received_total",
	"edgectl_worker_bytes_sent_total", "edgectl_worker_failures_total"}

// Status lists the pods of app. With metrics, it reads each ready
// worker's Prometheus counters through the API server (never dialling a
// pod itself).
func Status(ctx context.Context, c Client, ns, app string, metrics bool) ([]PodStatus, error) {
	pods, err := c.Pods(ctx, ns, manifest.Selector(app))
	if err != nil {
		return nil, explain("list the pods of "+app, err)
	}
	var out []PodStatus
	for _, p := range pods {
		s := PodStatus{Name: p.Name, Component: p.Labels["app.kubernetes.io/component"], Device: p.Labels[manifest.DeviceLabel],
			Class: p.Labels[manifest.ClassLabel], Node: p.Spec.NodeName, Phase: string(p.Status.Phase), IP: p.Status.PodIP,
			Ready: podReady(&p), Bundle: p.Annotations[manifest.BundleAnnotation]}
		for _, cs := range p.Status.ContainerStatuses {
			s.Restarts += cs.RestartCount
		}
		if metrics && s.Component == "worker" && s.Ready {
			mctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			var data []byte
			data, s.MetricsErr = c.ProxyGet(mctx, ns, p.Name, manifest.MetricsPort, "metrics")
			cancel()
			if s.MetricsErr == nil {
				s.Metrics = parseCounters(data)
			}
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Component != out[j].Component {
			return out[i].Component < out[j].Component
		}
		return out[i].Device+out[i].Name < out[j].Device+out[j].Name
	})
	return out, nil
}

// parseCounters sums the Counters in Prometheus text format.
func parseCounters(data []byte) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, ok := strings.Cut(line, " ")
		if i := strings.IndexByte(line, '{'); i >= 0 {
			name = line[:i]
			if j := strings.LastIndexByte(line, '}'); j > i {
				rest, ok = strings.TrimSpace(line[j+1:]), true
			}
		}
		if !ok {
			continue
		}
		for _, c := range Counters {
			if name == c {
				if v, err := strconv.ParseFloat(strings.Fields(rest)[0], 64); err == nil {
					out[c] += v
				}
			}
		}
	}
	return out
}

// FormatStatus prints one row per pod.
func FormatStatus(w io.Writer, pods []PodStatus) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "POD\tCOMPONENT\tDEVICE\tCLASS\tNODE\tPHASE\tREADY\tRESTARTS\tTILES\tBYTES IN\tBYTES OUT\tFAILURES")
	for _, p := range pods {
		m := []string{"-", "-", "-", "-"}
		if p.Metrics != nil {
			for i, c := range Counters {
				m[i] = strconv.FormatFloat(p.Metrics[c], 'f', -1, 64)
			}
		} else if p.MetricsErr != nil {
			m[0] = "unreachable"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%v\t%d\t%s\t%s\t%s\t%s\n", p.Name, p.Component, dash(p.Device), dash(p.Class),
			dash(p.Node), p.Phase, p.Ready, p.Restarts, m[0], m[1], m[2], m[3])
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
