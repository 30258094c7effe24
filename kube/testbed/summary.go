package testbed

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/edgectl/edgectl/planner"
	"github.com/edgectl/edgectl/planner/cluster"
)

// Summary describes a plan in one line: its stages' modes and splits,
// runs of equal stages counted ("fused 2x4, 3 x layer-wise rows 8,
// single").
func Summary(r *planner.Result) string {
	var parts []string
	var last string
	count := 0
	flush := func() {
		switch {
		case count == 1:
			parts = append(parts, last)
		case count > 1:
			parts = append(parts, fmt.Sprintf("%d x %s", count, last))
		}
	}
	for _, st := range r.Stages {
		s := string(st.Mode)
		if st.Split != "" {
			s += " " + st.Split
		}
		if st.Mode == planner.ModeSingle {
			s += " on " + st.Devices[0]
		}
		if s == last {
			count++
			continue
		}
		flush()
		last, count = s, 1
	}
	flush()
	return strings.Join(parts, ", ")
}

// clusterModel is the cluster of the first n devices for the planner,
// whether or not they run (placeholder addresses).
func (tb *Testbed) clusterModel(n int, net cluster.Network, profiled map[string]bool) (*cluster.Cluster, error) {
	c := &cluster.Cluster{APIVersion: cluster.APIVersion, Kind: cluster.Kind, Network: net, Dir: tb.st.Dir()}
	used := map[string]bool{}
	for i := range n {
		cl, ok := ClassOf(tb.st.Classes, i)
		if !ok {
			return nil, fmt.Errorf("testbed: device %d: it has %d", i, DeviceCount(tb.st.Classes))
		}
		if !used[cl.Name] {
			used[cl.Name] = true
			k := tb.clusterClass(cl)
			if !profiled[cl.Name] {
				k.Speed = cl.CPUs
			}
			c.Classes = append(c.Classes, k)
		}
		c.Devices = append(c.Devices, cluster.Device{Name: DeviceName(i), Class: cl.Name, Address: "127.0.0.1:" + strconv.Itoa(7070+i)})
	}
	return c, c.Validate()
}

// WireBytes is what the shaped network has carried so far: the bytes
// the shared ifb sent, or (switched) those of every device's ifb and the
// bridge's.
func (tb *Testbed) WireBytes() int64 {
	if tb.st.Mode == "local" {
		return tb.localBytes()
	}
	devs := append([]string(nil), tb.st.IFBs...)
	if tb.st.Medium == Switched {
		devs = append(devs, tb.st.Bridge)
	}
	var total int64
	for _, d := range devs {
		b, err := os.ReadFile(filepath.Join("/sys/class/net", d, "statistics/tx_bytes"))
		if err != nil {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		total += n
	}
	return total
}
