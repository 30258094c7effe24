package planner

import (
	"fmt"
	"sync"

	"github.com/edgectl/edgectl/graphir"
)

// option is one way to run the nodes between two bounds: a single stage
// (one device, or a fused block), or a layer-wise run of stages (one per
// layer, each split by rows or by output channels) over one segment.
type option struct {
	mode   Mode
	label  string    // for people: "fused 2x2 on 4", "single on pi-1"
	stages []*priced // in order
	k      int       // devices used
	// overhead is a fused block's FLOPs with halos over its FLOPs.
	overhead float64
	// share is the weights it puts on devices, as shares of their memory.
	share float64
	// key is the state key of what it leaves at its end bound (leaves);
	// keyless says there is none to cache.
	key     string
	keyless bool
}

// allowed reports whether mode m is among the modes the search may use.
func (p *search) allowed(m Mode) bool {
	if len(p.opts.Modes) == 0 {
		return true
	}
	for _, x := range p.opts.Modes {
		if x == m {
			return true
		}
	}
	return false
}

// rangeOptions lists the options for the nodes between bounds a and b on
// all devices (cached): one device (any), or split over the k fastest.
func (p *search) rangeOptions(a, b int) ([]*option, error) {
	return p.optionsOn(a, b, 0, true)
}

// optionsOn lists the options for the nodes between bounds a and b on the
// devices from the from-th fastest on (cached): splits over the first k of
// them, and one device: any of them (anySingle) or the first.
func (p *search) optionsOn(a, b, from int, anySingle bool) ([]*option, error) {
	key := optionKey{a, b, from, anySingle}
	p.mu.Lock()
	o, ok := p.options[key]
	p.mu.Unlock()
	if ok {
		return o, nil
	}
	order := p.order[from:]
	lo, hi := p.bounds[a], p.bounds[b]
	var out []*option
	add := func(mode Mode, label string, specs ...*spec) error {
		o := &option{mode: mode, label: label}
		for _, s := range specs {
			c, err := p.price(s)
			if err != nil {
				return err
			}
			o.stages = append(o.stages, c)
			o.k = max(o.k, len(distinct(s.devs)))
		}
		if mode == ModeFused {
			o.overhead = o.stages[0].flops / max(1, p.flopsOf(lo, hi))
			if o.overhead > p.opts.MaxOverhead {
				return nil
			}
		}
		o.share = p.memoryShare(o)
		out = append(out, o)
		return nil
	}
	// One device: the fastest device of each class (devices of one class
	// are interchangeable; the fastest of all is in every split, so it
	// holds a part of what a split stage leaves).
	singles := order[:1]
	if anySingle {
		singles = p.classLeaders(order)
	}
	if p.allowed(ModeSingle) {
		for _, d := range singles {
			if err := add(ModeSingle, "single on "+p.cl.Devices[d].Name, &spec{lo: lo, hi: hi, kind: graphir.StageSingle, devs: []int{d}}); err != nil {
				return nil, err
			}
		}
	}
	if p.allowed(ModeFused) && (p.opts.MaxFusedDepth <= 0 || b-a <= p.opts.MaxFusedDepth) && p.fusedWithin(a, b) {
		for _, k := range p.fusedCounts(order) {
			for _, grid := range grids(k) {
				if p.overheadEstimate(a, b, grid) > 1.25*p.opts.MaxOverhead {
					continue
				}
				s := p.fusedSpec(lo, hi, order[:k], grid)
				if s == nil {
					continue
				}
				if err := add(ModeFused, fmt.Sprintf("fused %dx%d", grid[0], grid[1]), s); err != nil {
					return nil, err
				}
			}
		}
	}
	if b == a+1 {
		for k := 2; k <= len(order); k++ {
			for _, m := range []Mode{ModeRows, ModeChannels} {
				if !p.allowed(m) {
					continue
				}
				specs := p.layerSpecs(lo, hi, order[:k], m)
				if specs == nil {
					continue
				}
				if err := add(m, fmt.Sprintf("layer-wise %s on %d", m, k), specs...); err != nil {
					return nil, err
				}
			}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.options[key]; ok {
		return old, nil
	}
	p.options[key] = out
	return out, nil
}

// optionKey caches the options of a range on a set of devices.
type optionKey struct {
	a, b, from int
	anySingle  bool
}

func distinct(devs []int) map[int]bool {
	m := map[int]bool{}
	for _, d := range devs {
		m[d] = true
	}
	return m
}

// flopsOf is the FLOPs of nodes [lo, hi).
func (p *search) flopsOf(lo, hi int) float64 {
	f := 0.0
	for _, n := range p.g.Nodes[lo:hi] {
		if !p.fusedAway[n] {
			f += float64(n.Cost.FLOPs)
		}
	}
	return f
}

// fusableRange reports whether nodes [lo, hi) can be one fused block
// (cached).
func (p *search) fusableRange(lo, hi int) bool {
	return memo(&p.mu, p.fusableAt, [2]int{lo, hi}, func() bool {
		for i := lo; i < hi; i++ {
			if !p.fusable[i] {
				return false
			}
		}
		return graphir.CheckFusable(p.g.Nodes[lo:hi], p.stageOutputs(lo, hi)) == nil
	})
}

// stageOutputs are the values nodes [lo, hi) leave for later nodes or the
// graph's outputs (graphir.StageIO; cached).
func (p *search) stageOutputs(lo, hi int) []*graphir.Value {
	return memo(&p.mu, p.outputsOf, [2]int{lo, hi}, func() []*graphir.Value {
		_, outs := p.io.StageIO(lo, hi)
		return outs
	})
}

// memo returns m[k] under mu, or computes it with f outside the lock (f
// may take mu itself) and keeps it.
func memo[K comparable, V any](mu *sync.Mutex, m map[K]V, k K, f func() V) V {
	mu.Lock()
	v, ok := m[k]
	mu.Unlock()
	if ok {
		return v
	}
	v = f()
	mu.Lock()
	m[k] = v
	mu.Unlock()
	return v
}

// fusedWithin reports whether the nodes between bounds a and b can be a
// fused block whose two strips recompute at most MaxOverhead: two strips
// recompute the least of any grid, and a deeper block more than a
// shallower one ending at the same bound, so when [a+1, b) fails, [a, b)
// fails without being traced (cached; the same answer in any order of
// calls).
func (p *search) fusedWithin(a, b int) bool {
	key := [2]int{a, b}
	p.mu.Lock()
	ok, done := p.fuseOK[key]
	p.mu.Unlock()
	if done {
		return ok
	}
	ok = true
	if a+1 < b && !p.fusedWithin(a+1, b) {
		ok = false
	}
	lo, hi := p.bounds[a], p.bounds[b]
	if ok {
		ok = p.fusableRange(lo, hi)
	}
	if ok && len(p.order) >= 2 {
		if s := p.fusedSpec(lo, hi, p.order[:2], [2]int{2, 1}); s != nil {
			c, err := p.price(s)
			ok = err == nil && c.flops/max(1, p.flopsOf(lo, hi)) <= p.opts.MaxOverhead
			var h []float64
			if ok {
				h, err = p.halosOf(s, a, b)
				ok = err == nil
			}
			if ok {
				p.mu.Lock()
				p.halos[key] = h
				p.mu.Unlock()
			}
		}
	}
	p.mu.Lock()
	p.fuseOK[key] = ok
	p.mu.Unlock()
	return ok
}

// halosOf is, per node of two-strip fused stage s over the nodes between
// bounds a and b, the rows its first strip computes beyond half of the
// node's output: the halo one cut adds there.
func (p *search) halosOf(s *spec, a, b int) ([]float64, error) {
	out := make([]float64, s.hi-s.lo)
	want := graphir.Rect{Rows: graphir.Span{Lo: s.rows[0], Hi: s.rows[1]}, Cols: graphir.Span{Lo: s.cols[0], Hi: s.cols[1]}}
	for seg := b - 1; seg >= a; seg-- {
		t, err := p.trace(seg, want) // as the stage was priced (fused)
		if err != nil {
			return nil, err
		}
		off := p.bounds[seg] - s.lo
		for i, n := range p.g.Nodes[p.bounds[seg]:p.bounds[seg+1]] {
			if t.rows[i] == 0 || n.Outputs[0] == nil {
				continue
			}
			full := graphir.FullRect(n.Outputs[0].Shape)
			out[off+i] = max(0, float64(t.rows[i])-float64(full.Rows.Len())/2)
		}
		want = t.need[0]
	}
	return out, nil
}

// overheadEstimate is what a fused grid (rows x cols) over the nodes
// between bounds a and b recomputes, estimated from the two-strip halos:
// each of the rows-1 and cols-1 cuts adds a halo on both of its sides.
func (p *search) overheadEstimate(a, b int, grid [2]int) float64 {
	p.mu.Lock()
	h := p.halos[[2]int{a, b}]
	p.mu.Unlock()
	if h == nil {
		return 1
	}
	lo, hi := p.bounds[a], p.bounds[b]
	work, flops := 0.0, 0.0
	for i, n := range p.g.Nodes[lo:hi] {
		if p.fusedAway[n] || n.Outputs[0] == nil {
			continue
		}
		f := float64(n.Cost.FLOPs)
		full := graphir.FullRect(n.Outputs[0].Shape)
		rows := 1 + 2*h[i]*float64(grid[0]-1)/max(1, float64(full.Rows.Len()))
		cols := 1 + 2*h[i]*float64(grid[1]-1)/max(1, float64(full.Cols.Len()))
		work += f * min(rows, float64(grid[0])) * min(cols, float64(grid[1]))
		flops += f
	}
	return work / max(1, flops)
}

// grids lists the grids of k tiles tried: strips of rows, and the
// squarest grid of at least two rows and two columns (rows <= columns).
func grids(k int) [][2]int {
	out := [][2]int{{k, 1}}
	for r := 2; r*r <= k; r++ {
		if k%r == 0 {
			out = append(out[:1], [2]int{r, k / r})
		}
	}
	return out
}

// speeds are the weights of tile sizes for devices devs on nodes [lo, hi):
// each device's speed on them (1 / its time alone).
func (p *search) speeds(devs []int, lo, hi int) []float64 {
	w := make([]float64, len(devs))
	for i, d := range devs {
		w[i] = 1 / max(p.rangeTime(d, lo, hi), 1e-12)
	}
	return w
}

// fusedSpec is a fused block over [lo, hi) on devices devs in a grid
// (rows x cols, devices row-major), row heights in proportion to the
// speeds of each row's devices; nil when the output is too small for the
// grid.
func (p *search) fusedSpec(lo, hi int, devs []int, grid [2]int) *spec {
	full := graphir.FullRect(p.stageOutputs(lo, hi)[0].Shape)
	r, c := grid[0], grid[1]
	if full.Rows.Hi < r || full.Cols.Hi < c {
		return nil
	}
	devs = append([]int(nil), devs...)
	w := p.speeds(devs, lo, hi)
	rowW := make([]float64, r)
	for i := range devs {
		rowW[i/c] += w[i]
	}
	s := &spec{lo: lo, hi: hi, kind: graphir.StageFused, devs: devs,
		rows: WeightedSplit(full.Rows.Hi, rowW), cols: EvenSplit(full.Cols.Hi, c)}
	if len(s.rows) != r+1 || len(s.cols) != c+1 {
		return nil
	}
	return s
}

// layerSpecs are the layer-wise stages of segment [lo, hi) on devices
// devs: each layer split by rows (ModeRows) or by output channels
// (ModeChannels) in proportion to the devices' speeds, or run on the first
// device where it cannot be split so. nil when no layer of the segment can
// be split.
func (p *search) layerSpecs(lo, hi int, devs []int, m Mode) []*spec {
	devs = append([]int(nil), devs...)
	k := len(devs)
	var out []*spec
	split := false
	for _, gr := range p.groups(lo, hi) {
		a, b := gr[0], gr[1]
		outs := p.stageOutputs(a, b)
		s := &spec{lo: a, hi: b, kind: graphir.StageSingle, devs: []int{devs[0]}}
		w := p.speeds(devs, a, b)
		switch {
		case len(outs) == 0:
		case m == ModeRows && p.fusableRange(a, b):
			full := graphir.FullRect(outs[0].Shape)
			if rows := WeightedSplit(full.Rows.Hi, w); len(rows) == k+1 {
				s = &spec{lo: a, hi: b, kind: graphir.StageLayerwise, devs: devs, rows: rows}
				split = true
			}
		case m == ModeChannels && len(outs) == 1 && len(outs[0].Shape) >= 2 && channelLocal(p.g.Nodes[a:b]):
			if ch := WeightedSplit(outs[0].Shape[1], w); len(ch) == k+1 {
				s = &spec{lo: a, hi: b, kind: graphir.StageLayerwise, devs: devs, chans: ch}
				split = true
			}
		}
		out = append(out, s)
	}
	if !split {
		return nil
	}
	return out
}

func channelLocal(nodes []*graphir.Node) bool {
	for _, n := range nodes {
		if graphir.ChannelLocal(n) != nil {
			return false
		}
	}
	return true
}

// classLeaders is the first device of each class in order.
func (p *search) classLeaders(order []int) []int {
	seen := map[string]bool{}
	var out []int
	for _, d := range order {
		if c := p.cl.Devices[d].Class; !seen[c] {
			seen[c] = true
			out = append(out, d)
		}
	}
	return out
}

// fusedCounts are the numbers of devices fused blocks are tried on: 2, 3,
// 4, 6, 8, 12, 16, ... (a fused block's time falls smoothly with its
// devices, so the counts between add little), all of them, and the counts
// at which a class of devices ends in order (where dropping the slower
// devices may pay).
func (p *search) fusedCounts(order []int) []int {
	n := len(order)
	want := map[int]bool{n: true}
	for k := 2; k <= n; k = next(k) {
		want[k] = true
	}
	for i := 1; i < n; i++ {
		if p.cl.Devices[order[i]].Class != p.cl.Devices[order[i-1]].Class {
			want[i] = true
		}
	}
	var out []int
	for k := 2; k <= n; k++ {
		if want[k] {
			out = append(out, k)
		}
	}
	return out
}

// next is the next count after k in 2, 3, 4, 6, 8, 12, 16, 24, ...
func next(k int) int {
	if k < 4 {
		return k + 1
	}
	if k&(k-1) == 0 {
		return k + k/2
	}
	return k / 3 * 4
}
