package planner

import (
	"fmt"
	"math"

	"github.com/edgectl/edgectl/graphir"
)

// Grid is the number of rows and columns fused blocks are cut into.
type Grid struct {
	Rows, Cols int
}

// SimplePlanMaxOverhead bounds how much work SimplePlan lets a fused block
// recompute: the tiles' total FLOPs (halos included) over the block's.
const SimplePlanMaxOverhead = 1.5

// SimplePlan makes a plan by a simple rule: runs of spatially local nodes
// become fused blocks, cut at cut points (or, where branches of different
// sizes end, wherever the block stays fusable) as soon as extending a
// block would make its tiles recompute more than SimplePlanMaxOverhead of
// its work; each block's output is cut into grid (fewer parts when it is
// smaller than the grid) and the tiles go round-robin to devices
// worker-0..worker-(devices-1). Gemm and MatMul layers with constant
// weights (and the element-wise ops after them) are split layer-wise by
// output channels across the devices; other non-spatial nodes (global
// pooling, Flatten, reshapes) run on worker-0.
func SimplePlan(g *graphir.Graph, devices int, grid Grid) (*graphir.Plan, error) {
	if devices < 1 || grid.Rows < 1 || grid.Cols < 1 {
		return nil, fmt.Errorf("simple plan: need at least one device and a grid of at least 1x1, have %d devices and %dx%d", devices, grid.Rows, grid.Cols)
	}
	single := map[int]bool{}
	for _, c := range graphir.Cuts(g) {
		single[c.Pos] = len(c.Live) == 1
	}
	fusable := graphir.FusableNodes(g)
	spatial := func(i int) bool { return fusable[i] }
	p := &graphir.Plan{APIVersion: graphir.PlanAPIVersion, Kind: graphir.PlanKind, Model: g.Name}
	next := 0 // round-robin device
	dev := func() string { d := graphir.DeviceID(next % devices); next++; return d }
	for lo := 0; lo < len(g.Nodes); {
		var st graphir.Stage
		hi := lo + 1
		switch {
		case spatial(lo):
			hi = simpleFusedEnd(g, lo, single, grid, spatial)
			_, outs := graphir.StageIO(g, lo, hi)
			if graphir.CheckFusable(g.Nodes[lo:hi], outs) != nil {
				st.Kind, st.Split.Devices = graphir.StageSingle, []string{graphir.DeviceID(0)}
				break
			}
			full := graphir.FullRect(outs[0].Shape)
			st.Kind = graphir.StageFused
			st.Split.Rows = EvenSplit(full.Rows.Hi, grid.Rows)
			st.Split.Cols = EvenSplit(full.Cols.Hi, grid.Cols)
			for k := 0; k < st.Split.Parts(); k++ {
				st.Split.Devices = append(st.Split.Devices, dev())
			}
		case simpleChannelLayer(g.Nodes[lo]) && devices > 1:
			for hi < len(g.Nodes) && simpleTrailing(g.Nodes[hi]) {
				hi++
			}
			_, outs := graphir.StageIO(g, lo, hi)
			if len(outs) != 1 || outs[0].Shape[1] < devices {
				st.Kind, st.Split.Devices = graphir.StageSingle, []string{graphir.DeviceID(0)}
				break
			}
			st.Kind = graphir.StageLayerwise
			st.Split.Channels = EvenSplit(outs[0].Shape[1], devices)
			for k := 0; k < devices; k++ {
				st.Split.Devices = append(st.Split.Devices, graphir.DeviceID(k))
			}
		default:
			for hi < len(g.Nodes) && !spatial(hi) && !(simpleChannelLayer(g.Nodes[hi]) && devices > 1) {
				hi++
			}
			st.Kind, st.Split.Devices = graphir.StageSingle, []string{graphir.DeviceID(0)}
		}
		st.Name = fmt.Sprintf("s%d", len(p.Stages))
		setStageNodes(&st, g, lo, hi)
		p.Stages = append(p.Stages, st)
		lo = hi
	}
	return p, nil
}

// setStageNodes names the stage's nodes: by its last value when that node
// has a single output, else by listing them.
func setStageNodes(st *graphir.Stage, g *graphir.Graph, lo, hi int) {
	last := g.Nodes[hi-1]
	if len(last.Outputs) == 1 && last.Outputs[0] != nil {
		st.To = last.Outputs[0].Name
		return
	}
	for _, n := range g.Nodes[lo:hi] {
		st.Nodes = append(st.Nodes, n.Name)
	}
}

// simpleChannelLayer reports a Gemm or matrix MatMul with constant weights.
func simpleChannelLayer(n *graphir.Node) bool {
	return (n.Op == graphir.OpGemm || n.Op == graphir.OpMatMul) && n.In(1).IsConst() && graphir.ChannelLocal(n) == nil
}

// simpleTrailing reports a channel-local op that may follow a split layer.
func simpleTrailing(n *graphir.Node) bool {
	switch n.Op {
	case graphir.OpRelu, graphir.OpLeakyRelu, graphir.OpClip, graphir.OpSigmoid, graphir.OpTanh, graphir.OpHardSwish, graphir.OpHardSigmoid, graphir.OpDropout, graphir.OpIdentity, graphir.OpElu, graphir.OpSelu:
		return true
	}
	return false
}

// simpleFusedEnd returns the end of the fused block starting at lo: the
// furthest cut point (or end of the spatial run) the block can extend to
// within the overhead bound, or failing any, the furthest position at
// which the block is fusable.
func simpleFusedEnd(g *graphir.Graph, lo int, single map[int]bool, grid Grid, spatial func(int) bool) int {
	run := lo
	for run < len(g.Nodes) && spatial(run) {
		run++
	}
	best := -1
	for e := lo + 1; e <= run; e++ {
		if !single[e] && e != run {
			continue
		}
		_, outs := graphir.StageIO(g, lo, e)
		if graphir.CheckFusable(g.Nodes[lo:e], outs) != nil {
			continue
		}
		full := graphir.FullRect(outs[0].Shape)
		rows, cols := EvenSplit(full.Rows.Hi, grid.Rows), EvenSplit(full.Cols.Hi, grid.Cols)
		ov, err := graphir.BlockOverhead(g.Nodes[lo:e], outs, rows, cols)
		if err != nil {
			continue
		}
		if best >= 0 && ov > SimplePlanMaxOverhead {
			break
		}
		best = e
	}
	if best >= 0 {
		return best
	}
	for e := run; e > lo; e-- {
		if _, outs := graphir.StageIO(g, lo, e); graphir.CheckFusable(g.Nodes[lo:e], outs) == nil {
			return e
		}
	}
	return lo + 1
}

// EvenSplit cuts size into min(parts, size) nearly equal parts and returns
// the boundaries 0 = b0 < ... < bk = size.
func EvenSplit(size, parts int) []int {
	parts = max(1, min(parts, size))
	b := make([]int, parts+1)
	for i := range b {
		b[i] = i * size / parts
	}
	return b
}

// WeightedSplit cuts size into one part per weight (device speed),
// proportional to the weights, each at least 1 (when size allows), and
// returns the boundaries; use it for uneven strips.
func WeightedSplit(size int, weights []float64) []int {
	parts := min(len(weights), size)
	total := 0.0
	for _, w := range weights[:parts] {
		total += max(w, 0)
	}
	b := make([]int, parts+1)
	acc := 0.0
	for i := 1; i < parts; i++ {
		acc += max(weights[i-1], 0)
		at := int(math.Round(acc / total * float64(size)))
		if total == 0 {
			at = i * size / parts
		}
		b[i] = max(b[i-1]+1, min(at, size-(parts-i)))
	}
	b[parts] = size
	return b
}

// DefaultGrid is the grid of n tiles closest to square, with no more rows
// than columns (4: 2x2, 2: 1x2, 6: 2x3).
func DefaultGrid(n int) Grid {
	r := 1
	for d := 1; d*d <= n; d++ {
		if n%d == 0 {
			r = d
		}
	}
	return Grid{Rows: r, Cols: max(1, n/r)}
}
