package profile

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime"
)

// NodeTime is one node's share of a profile.
type NodeTime struct {
	Name, Op, Kernel string
	FLOPs            int64
	Time             time.Duration // median over the runs
}

// Profile is where one run of a graph in edgectl's runtime spends its time,
// node by node (the executor's graph: after its fusions).
type Profile struct {
	Runs  int
	Nodes []NodeTime
}

// Nodes runs g runs times (after one warm-up run) on random inputs drawn
// with seed, with a clock read around every node, and keeps each node's
// median time.
func Nodes(ctx context.Context, g *graphir.Graph, threads, runs int, seed uint64) (*Profile, error) {
	runs = max(1, runs)
	inputs, err := RandomInputs(g, seed)
	if err != nil {
		return nil, err
	}
	var samples [][]time.Duration
	e, err := runtime.NewWithOptions(g, runtime.Options{Threads: threads, OnNode: func(i int, d time.Duration) {
		samples[i] = append(samples[i], d)
	}})
	if err != nil {
		return nil, err
	}
	samples = make([][]time.Duration, len(e.Graph().Nodes))
	for r := 0; r <= runs; r++ {
		if r == 1 {
			for i := range samples {
				samples[i] = samples[i][:0]
			}
		}
		if _, err := e.Run(ctx, inputs); err != nil {
			return nil, err
		}
	}
	p := &Profile{Runs: runs}
	for i, n := range e.Graph().Nodes {
		s := samples[i]
		sort.Slice(s, func(a, b int) bool { return s[a] < s[b] })
		p.Nodes = append(p.Nodes, NodeTime{Name: n.Name, Op: n.Op.String(), Kernel: e.KernelName(i), FLOPs: n.Cost.FLOPs, Time: s[len(s)/2]})
	}
	return p, nil
}

// Format prints the time per op kind and the top nodes.
func (p *Profile) Format(w io.Writer, top int) error {
	var total time.Duration
	type kind struct {
		op    string
		n     int
		t     time.Duration
		flops int64
	}
	kinds := map[string]*kind{}
	for _, n := range p.Nodes {
		total += n.Time
		key := n.Op + " (" + n.Kernel + ")"
		k := kinds[key]
		if k == nil {
			k = &kind{op: key}
			kinds[key] = k
		}
		k.n++
		k.t += n.Time
		k.flops += n.FLOPs
	}
	ks := make([]*kind, 0, len(kinds))
	for _, k := range kinds {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(a, b int) bool { return ks[a].t > ks[b].t })
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "profile: median of %d runs per node, sum %s ms\n", p.Runs, ms(total))
	fmt.Fprintf(tw, "  op (kernel)\tnodes\tms\tshare\tGFLOP/s\n")
	for _, k := range ks {
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%.1f%%\t%s\n", k.op, k.n, ms(k.t), 100*float64(k.t)/float64(max(total, 1)), gflops(k.flops, k.t))
	}
	nodes := append([]NodeTime(nil), p.Nodes...)
	sort.SliceStable(nodes, func(a, b int) bool { return nodes[a].Time > nodes[b].Time })
	fmt.Fprintf(tw, "  top nodes\t\t\t\t\n")
	for _, n := range nodes[:min(top, len(nodes))] {
		fmt.Fprintf(tw, "  %s %s (%s)\t\t%s\t%.1f%%\t%s\n", n.Op, n.Name, n.Kernel, ms(n.Time), 100*float64(n.Time)/float64(max(total, 1)), gflops(n.FLOPs, n.Time))
	}
	return tw.Flush()
}

func gflops(f int64, t time.Duration) string {
	if f == 0 || t <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(f)/t.Seconds()/1e9)
}

func ms(d time.Duration) string {
	v := d.Seconds() * 1e3
	switch {
	case v >= 100:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// RandomInputs draws every float32 input of g uniformly from [-1, 1) with
// seed.
func RandomInputs(g *graphir.Graph, seed uint64) (map[string]*graphir.Tensor, error) {
	r := rand.New(rand.NewPCG(seed, 0x6564676563746c))
	out := make(map[string]*graphir.Tensor, len(g.Inputs))
	for _, v := range g.Inputs {
		if v.DType != graphir.Float32 {
			return nil, fmt.Errorf("input %q is %s; profiles feed float32 inputs only", v.Name, v.DType)
		}
		t := graphir.NewTensor(graphir.Float32, v.Shape)
		for j := range t.F {
			t.F[j] = 2*r.Float32() - 1
		}
		out[v.Name] = t
	}
	return out, nil
}
