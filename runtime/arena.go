package runtime

import (
	"sort"

	"github.com/edgectl/edgectl/graphir"
)

// arenaPlan places every float32 intermediate value of a graph in one
// buffer, at offsets chosen from the values' lifetimes (greedy best fit by
// size, largest first), so a run allocates one buffer instead of a tensor per
// node, and two values share memory only when their lifetimes do not overlap.
type arenaPlan struct {
	offset map[*graphir.Value]int // in float32 elements
	size   int                    // elements
	// shared maps an output to the input whose slot it takes (shareable).
	shared map[*graphir.Value]*graphir.Value
}

// lifetime is [first, last] in node indices: written by node first, last
// read by node last (or to the end for graph outputs).
type lifetime struct {
	v           *graphir.Value
	first, last int
	n           int
}

const arenaAlign = 16 // elements: 64 bytes

// planArena places g's intermediate values; an output in shared takes the
// slot of the input it maps to (whose lifetime then runs on to the
// output's last reader).
func planArena(g *graphir.Graph, shared map[*graphir.Value]*graphir.Value) arenaPlan {
	keep := map[*graphir.Value]bool{}
	for _, v := range g.Outputs {
		keep[v] = true
	}
	root := func(v *graphir.Value) *graphir.Value {
		for shared[v] != nil {
			v = shared[v]
		}
		return v
	}
	life := map[*graphir.Value]*lifetime{}
	for i, n := range g.Nodes {
		for _, v := range n.Outputs {
			if v != nil && v.DType == graphir.Float32 && !keep[v] {
				if r := root(v); r != v && life[r] != nil {
					life[r].last = i // a shared output extends its input's slot
					continue
				}
				life[v] = &lifetime{v: v, first: i, last: i, n: roundUp(v.Shape.Size(), arenaAlign)}
			}
		}
		for _, v := range n.Inputs {
			if l, ok := life[root(v)]; ok && v != nil {
				l.last = max(l.last, i)
			}
		}
	}
	ls := make([]*lifetime, 0, len(life))
	for _, l := range life {
		ls = append(ls, l)
	}
	sort.Slice(ls, func(i, j int) bool {
		if ls[i].n != ls[j].n {
			return ls[i].n > ls[j].n
		}
		return ls[i].first < ls[j].first
	})
	p := arenaPlan{offset: map[*graphir.Value]int{}, shared: map[*graphir.Value]*graphir.Value{}}
	var placed []*lifetime
	for _, l := range ls {
		// Intervals of memory already taken by values alive at the same time.
		type span struct{ lo, hi int }
		var busy []span
		for _, o := range placed {
			if o.first <= l.last && l.first <= o.last {
				off := p.offset[o.v]
				busy = append(busy, span{off, off + o.n})
			}
		}
		sort.Slice(busy, func(i, j int) bool { return busy[i].lo < busy[j].lo })
		best, bestGap := -1, int(^uint(0)>>1)
		at := 0
		for _, s := range busy {
			if gap := s.lo - at; gap >= l.n && gap < bestGap {
				best, bestGap = at, gap
			}
			at = max(at, s.hi)
		}
		if best < 0 {
			best = at
		}
		p.offset[l.v] = best
		p.size = max(p.size, best+l.n)
		placed = append(placed, l)
	}
	for out, in := range shared {
		if _, ok := p.offset[root(in)]; ok {
			p.offset[out] = p.offset[root(in)]
			p.shared[out] = in
		}
	}
	return p
}

// shareable picks the outputs that can take an input's arena slot: node
// i's kernel computes in place of input inPlace[i] (-1: none), that input
// is an intermediate float32 value of the same size read by no later node
// (last[v] == i) and by node i only once, and neither is a graph output.
func shareable(g *graphir.Graph, inPlace []int, last map[*graphir.Value]int, keep map[*graphir.Value]bool) map[*graphir.Value]*graphir.Value {
	isInput := map[*graphir.Value]bool{}
	for _, v := range g.Inputs {
		isInput[v] = true
	}
	out := map[*graphir.Value]*graphir.Value{}
	for i, n := range g.Nodes {
		k := inPlace[i]
		if k < 0 || k >= len(n.Inputs) || len(n.Outputs) != 1 {
			continue
		}
		v, y := n.Inputs[k], n.Outputs[0]
		if v == nil || y == nil || v.Const != nil || isInput[v] || keep[v] || keep[y] || last[v] != i ||
			v.DType != graphir.Float32 || y.DType != graphir.Float32 || v.Shape.Size() != y.Shape.Size() {
			continue
		}
		once := 0
		for _, u := range n.Inputs {
			if u == v {
				once++
			}
		}
		if once == 1 {
			out[y] = v
		}
	}
	return out
}

func roundUp(n, a int) int { return (n + a - 1) / a * a }
