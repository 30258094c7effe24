package planner

import (
	"sort"
	"sync"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner/costmodel"
)

// search is one planning problem with its caches.
type search struct {
	g    *graphir.Graph
	cl   *Cluster
	opts Options
	// bounds are the positions a stage may start or end at: 0, the cut
	// points (one value crosses them) that do not separate a layer from
	// its epilogue (what the executor fuses into a Conv, an activation
	// after any layer), and len(g.Nodes).
	bounds []int
	// live[i] is what crosses bounds[i]: the graph inputs at 0, the graph
	// outputs at the end, the cut value elsewhere.
	live [][]*graphir.Value
	// fusedAway marks nodes whose work the Conv before them does
	// (graphir.FuseConvEpilogues), so they cost nothing.
	fusedAway map[*graphir.Node]bool
	fusable   []bool // graphir.FusableNodes
	io        *graphir.IOIndex
	// order lists device indices fastest first (whole graph on one device).
	order []int
	// single[d] is the whole graph's compute time on device d alone;
	// nodeSecs[d][i] is node i's, 0 for a node fused away (rangeTime sums
	// them).
	single   []float64
	nodeSecs [][]float64

	// mu guards the caches below: options are priced in parallel.
	mu      sync.Mutex
	prices  map[string]*priced
	options map[optionKey][]*option
	// fuseOK[[2]int{a, b}] caches whether the nodes between bounds a and b
	// may be a fused block within the overhead bound (fusedWithin).
	fuseOK  map[[2]int]bool
	layouts map[string]int // placement numbers (intern)
	// halos of two-strip fused blocks, per bound pair (halosOf).
	halos map[[2]int][]float64
	// fusableAt and outputsOf cache fusableRange and stageOutputs by
	// node range.
	fusableAt map[[2]int]bool
	outputsOf map[[2]int][]*graphir.Value
	segs      map[segKey]*segTrace
	slices    map[*graphir.Value]*graphir.Node // sliceNode's, by value cut
	// boundAt maps a position in the node order to its bound's index.
	boundAt map[int]int
	// classOf numbers each device's class (classes of them in all).
	classOf []int
	classes int
	// heldRatio[c][n] is what a device of class c holds for node n's
	// constants over their bytes (the kernel's packed copy:
	// costmodel.HeldWeightBytes), for nodes with constants; heldSum[c][i]
	// is what it holds for nodes [0, i) of g whole.
	heldRatio []map[*graphir.Node]float64
	heldSum   [][]float64
	// scratchRatio[c][n] is the scratch node n's kernel takes on a device
	// of class c (costmodel.ScratchBytes) over the bytes of n's output,
	// for nodes with some: a tile of part of the output takes that part.
	scratchRatio []map[*graphir.Node]float64
	// links[from+1][to+1] is cl.Net.Link(from, to) (Coordinator is -1).
	links [][]Link
	// penalty is the price of memory (fitting), in seconds per device
	// memory filled with weights.
	penalty float64
}

func newSearch(g *graphir.Graph, cl *Cluster, opts Options) (*search, error) {
	if err := cl.check(); err != nil {
		return nil, err
	}
	if len(g.Nodes) == 0 {
		return nil, errPlan("the graph has no nodes")
	}
	if opts.Objective == "" {
		opts.Objective = Latency
	}
	if opts.MaxOverhead <= 0 {
		opts.MaxOverhead = 3
	}
	if opts.MinGain == 0 {
		opts.MinGain = DefaultMinGain
	}
	p := &search{g: g, cl: cl, opts: opts, fusedAway: map[*graphir.Node]bool{},
		prices: map[string]*priced{}, options: map[optionKey][]*option{}, fuseOK: map[[2]int]bool{}, layouts: map[string]int{}, halos: map[[2]int][]float64{},
		segs: map[segKey]*segTrace{}, boundAt: map[int]int{},
		fusableAt: map[[2]int]bool{}, outputsOf: map[[2]int][]*graphir.Value{}, slices: map[*graphir.Value]*graphir.Node{}}
	// The fused graph holds new Conv nodes (with the original's name) in
	// place of each Conv it fused, and not the nodes they absorbed.
	fused, _ := graphir.FuseConvEpilogues(g, nil)
	inFused, replaced := map[*graphir.Node]bool{}, map[string]bool{}
	for _, n := range fused.Nodes {
		inFused[n] = true
	}
	inG := map[*graphir.Node]bool{}
	for _, n := range g.Nodes {
		inG[n] = true
	}
	for _, n := range fused.Nodes {
		if !inG[n] {
			replaced[n.Name] = true
		}
	}
	for _, n := range g.Nodes {
		if !inFused[n] && !replaced[n.Name] {
			p.fusedAway[n] = true
		}
	}
	p.fusable = graphir.FusableNodes(g)
	p.io = graphir.NewIOIndex(g)
	p.bounds = append(p.bounds, 0)
	p.live = append(p.live, g.Inputs)
	for _, c := range graphir.CutPoints(g) {
		if p.fusedAway[g.Nodes[c.Pos]] || trailing(g, g.Nodes[c.Pos], g.Nodes[c.Pos-1]) {
			continue // between a layer and its epilogue (fused into a Conv, or an activation)
		}
		p.bounds = append(p.bounds, c.Pos)
		p.live = append(p.live, c.Live)
	}
	p.bounds = append(p.bounds, len(g.Nodes))
	var outs []*graphir.Value
	for _, v := range g.Outputs {
		if !v.IsConst() {
			outs = append(outs, v)
		}
	}
	p.live = append(p.live, outs)
	for i, b := range p.bounds {
		p.boundAt[b] = i
	}
	ids := map[string]int{}
	for _, d := range cl.Devices {
		if _, ok := ids[d.Class]; !ok {
			ids[d.Class] = len(ids)
		}
		p.classOf = append(p.classOf, ids[d.Class])
	}
	p.classes = len(ids)
	p.heldRatio = make([]map[*graphir.Node]float64, p.classes)
	p.heldSum = make([][]float64, p.classes)
	p.scratchRatio = make([]map[*graphir.Node]float64, p.classes)
	for d, dev := range cl.Devices {
		c := p.classOf[d]
		if p.heldRatio[c] != nil {
			continue
		}
		p.heldRatio[c] = map[*graphir.Node]float64{}
		p.heldSum[c] = make([]float64, len(g.Nodes)+1)
		p.scratchRatio[c] = map[*graphir.Node]float64{}
		h, _ := dev.Timer.(weightHolder)
		sh, _ := dev.Timer.(scratchHolder)
		for i, n := range g.Nodes {
			if sh != nil {
				if b, out := sh.ScratchBytes(n), costmodel.NodeWork(n).OutBytes; b > 0 && out > 0 {
					p.scratchRatio[c][n] = b / out
				}
			}
			w := costmodel.NodeWork(n).WeightBytes
			if w > 0 && h != nil {
				held := h.HeldWeightBytes(n)
				p.heldRatio[c][n] = held / w
				w = held
			}
			p.heldSum[c][i+1] = p.heldSum[c][i] + w
		}
	}
	p.links = make([][]Link, len(cl.Devices)+1)
	for from := range p.links {
		p.links[from] = make([]Link, len(cl.Devices)+1)
		for to := range p.links[from] {
			p.links[from][to] = cl.Net.Link(from-1, to-1)
		}
	}
	p.single = make([]float64, len(cl.Devices))
	p.nodeSecs = make([][]float64, len(cl.Devices))
	for d, dev := range cl.Devices {
		p.nodeSecs[d] = make([]float64, len(g.Nodes))
		for i, n := range g.Nodes {
			if !p.fusedAway[n] {
				p.nodeSecs[d][i] = dev.Timer.Seconds(n, costmodel.NodeWork(n))
				p.single[d] += p.nodeSecs[d][i]
			}
		}
		p.order = append(p.order, d)
	}
	sort.SliceStable(p.order, func(a, b int) bool { return p.single[p.order[a]] < p.single[p.order[b]] })
	return p, nil
}

// rangeTime is nodes [lo, hi) whole on device d.
func (p *search) rangeTime(d, lo, hi int) float64 {
	t := 0.0
	for _, s := range p.nodeSecs[d][lo:hi] {
		t += s
	}
	return t
}

// link is the link between devices from and to (Coordinator: the
// coordinator).
func (p *search) link(from, to int) Link { return p.links[from+1][to+1] }

// groups cuts nodes [lo, hi) into layers for layer-wise stages: a node and
// the nodes after it that are fused into it or are element-wise ops
// reading only its output.
func (p *search) groups(lo, hi int) [][2]int {
	var out [][2]int
	for i := lo; i < hi; {
		j := i + 1
		for j < hi && (p.fusedAway[p.g.Nodes[j]] || trailing(p.g, p.g.Nodes[j], p.g.Nodes[j-1])) {
			j++
		}
		out = append(out, [2]int{i, j})
		i = j
	}
	return out
}

// trailing reports an element-wise op n that reads only prev's output,
// which nothing else reads.
func trailing(g *graphir.Graph, n, prev *graphir.Node) bool {
	if !simpleTrailing(n) || len(prev.Outputs) != 1 || n.In(0) != prev.Outputs[0] {
		return false
	}
	for _, v := range g.Outputs {
		if v == prev.Outputs[0] {
			return false
		}
	}
	readers := 0
	for _, m := range g.Nodes {
		for _, in := range m.Inputs {
			if in == prev.Outputs[0] {
				readers++
			}
		}
	}
	return readers == 1
}

type planError string

func (e planError) Error() string { return "plan: " + string(e) }

func errPlan(msg string) error { return planError(msg) }

// weightHolder is a Timer that knows what its device holds for a node's
// constants (costmodel.Profile): the constants and the kernel's packed
// copy. Other timers count the constants alone.
type weightHolder interface {
	HeldWeightBytes(n *graphir.Node) float64
}

// scratchHolder is a Timer that knows the work memory its device's
// kernels take beside the activation arena (costmodel.Profile). Other
// timers count none.
type scratchHolder interface {
	ScratchBytes(n *graphir.Node) float64
}

// scratch is the scratch node n's kernel takes on device d for a tile
// that computes out bytes of its output.
func (p *search) scratch(d int, n *graphir.Node, out float64) float64 {
	return p.scratchRatio[p.classOf[d]][n] * out
}

// held is what device d holds for w bytes of node n's constants (all of
// them, or a channel tile's slice).
func (p *search) held(d int, n *graphir.Node, w float64) float64 {
	if r, ok := p.heldRatio[p.classOf[d]][n]; ok {
		return w * r
	}
	return w
}
