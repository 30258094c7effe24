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
}

// lifetime is [first, last] in node indices: written by node first, last
// read by node last (or to the end for graph outputs).
type lifetime struct {
	v           *graphir.Value
	first, last int
	n           int
}

const arenaAlign = 16 // elements: 64 bytes

func planArena(g *graphir.Graph) arenaPlan {
	keep := map[*graphir.Value]bool{}
	for _, v := range g.Outputs {
		keep[v] = true
	}
	life := map[*graphir.Value]*lifetime{}
	for i, n := range g.Nodes {
		for _, v := range n.Outputs {
			if v != nil && v.DType == graphir.Float32 && !keep[v] {
				life[v] = &lifetime{v: v, first: i, last: i, n: roundUp(v.Shape.Size(), arenaAlign)}
			}
		}
		for _, v := range n.Inputs {
			if l, ok := life[v]; ok {
				l.last = i
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
	p := arenaPlan{offset: map[*graphir.Value]int{}}
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
	return p
}

func roundUp(n, a int) int { return (n + a - 1) / a * a }
