package coord

import (
	"fmt"
	"slices"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/worker/internal/wire"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

type tileKey struct{ stage, tile int }

// job is the tiles of one stage that one worker runs in one call: a single
// tile, or several whose output rectangles form a rectangle, run as one
// tile (partition.Stage.TileFor) so that their shared halo is computed
// once.
type job struct {
	id     int
	stage  int
	tiles  []int32
	worker int
	tile   *partition.Tile // geometry: In (needs) and Out (produced)
	// expect lists the pieces the worker receives for the job; inputs the
	// pieces of graph inputs among them, which the coordinator pushes.
	expect []partition.Part
	inputs []partition.Part
	// sends are the parts of the job's output to send: to another job, or
	// (to == nil) back to the coordinator as graph outputs.
	sends []route
	deps  []int                  // ids of the jobs that send to this one
	req   *wirepb.RunTileRequest // without run and frame
}

type route struct {
	part partition.Part
	to   *job
}

func (j *job) name() string { return fmt.Sprintf("s%d t%v", j.stage, j.tiles) }

// layout is one assignment of tiles to workers turned into jobs and
// routes. It is immutable; failover builds a new one.
type layout struct {
	version int
	assign  map[tileKey]int
	stages  [][]*job
	jobs    []*job
	outputs map[string][]*job // graph output value -> jobs returning parts of it
	// gates[j] admits one frame at a time into job j (shared by every
	// frame run on this layout).
	gates []chan struct{}
}

// spatial reports whether a stage is split by a grid of rectangles.
func spatial(st *partition.Stage, plan *graphir.Plan) bool {
	return st.Kind == graphir.StageFused || (st.Kind == graphir.StageLayerwise && len(plan.Stages[st.Index].Split.Channels) == 0)
}

// buildLayout groups tiles into jobs and routes every needed piece from
// the job computing it (or the coordinator, for graph inputs).
func buildLayout(prog *partition.Program, assign map[tileKey]int, workers []*Worker, merge bool, session string, version int) (*layout, error) {
	l := &layout{version: version, assign: assign, outputs: map[string][]*job{}}
	for _, st := range prog.Stages {
		byWorker := map[int][]int{}
		var order []int
		for _, t := range st.Tiles {
			w := assign[tileKey{st.Index, t.Index}]
			if _, ok := byWorker[w]; !ok {
				order = append(order, w)
			}
			byWorker[w] = append(byWorker[w], t.Index)
		}
		var jobs []*job
		for _, w := range order {
			groups := [][]int{}
			if merge && spatial(st, prog.Plan) {
				groups = mergeRects(st, byWorker[w])
			} else {
				for _, t := range byWorker[w] {
					groups = append(groups, []int{t})
				}
			}
			for _, grp := range groups {
				j := &job{id: len(l.jobs), stage: st.Index, worker: w}
				for _, t := range grp {
					j.tiles = append(j.tiles, int32(t))
				}
				if len(grp) == 1 {
					j.tile = st.Tiles[grp[0]]
				} else {
					t, err := st.TileFor(hull(st, grp), st.Tiles[grp[0]].Device)
					if err != nil {
						return nil, err
					}
					j.tile = t
				}
				jobs = append(jobs, j)
				l.jobs = append(l.jobs, j)
			}
		}
		l.stages = append(l.stages, jobs)
	}
	if err := l.route(prog); err != nil {
		return nil, err
	}
	for _, j := range l.jobs {
		j.req = request(j, workers, session)
		l.gates = append(l.gates, make(chan struct{}, 1))
		for _, s := range j.sends {
			if s.to != nil && !slices.Contains(s.to.deps, j.id) {
				s.to.deps = append(s.to.deps, j.id)
			}
		}
	}
	return l, nil
}

// route fills in every job's expected pieces and sends.
func (l *layout) route(prog *partition.Program) error {
	type held struct {
		j   *job
		box partition.Box
	}
	producers := map[string][]held{}
	for _, j := range l.jobs {
		st := prog.Stages[j.stage]
		for _, need := range j.tile.In {
			if need.Box.Empty() {
				continue
			}
			prods, computed := producers[need.Value]
			if !computed {
				j.inputs = append(j.inputs, need)
				j.expect = append(j.expect, need)
				continue
			}
			covered := 0
			for _, p := range prods {
				inter := need.Box.Intersect(p.box)
				if inter.Empty() {
					continue
				}
				part := partition.Part{Value: need.Value, Box: inter}
				p.j.sends = append(p.j.sends, route{part, j})
				j.expect = append(j.expect, part)
				covered += inter.Size()
			}
			if covered != need.Box.Size() {
				return fmt.Errorf("stage %d %q: the outputs of earlier stages cover %d of the %d elements of %q %v that %s needs",
					j.stage, st.Name, covered, need.Box.Size(), need.Value, need.Box, j.name())
			}
		}
		for _, o := range j.tile.Out {
			producers[o.Value] = append(producers[o.Value], held{j, o.Box})
		}
	}
	for _, v := range prog.Graph.Outputs {
		for _, p := range producers[v.Name] {
			p.j.sends = append(p.j.sends, route{partition.Part{Value: v.Name, Box: p.box}, nil})
			l.outputs[v.Name] = append(l.outputs[v.Name], p.j)
		}
	}
	return nil
}

// request is the RunTile request of a job, without run and frame.
func request(j *job, workers []*Worker, session string) *wirepb.RunTileRequest {
	r := &wirepb.RunTileRequest{Session: session, Stage: int32(j.stage), Tiles: j.tiles}
	for _, p := range j.expect {
		r.Expect = append(r.Expect, &wirepb.Piece{Value: p.Value, Box: wire.BoxPB(p.Box)})
	}
	for _, s := range j.sends {
		sd := &wirepb.Send{Value: s.part.Value, Box: wire.BoxPB(s.part.Box), Stage: -1, Tile: -1}
		if s.to != nil {
			sd.Stage, sd.Tile = int32(s.to.stage), s.to.tiles[0]
			if s.to.worker == j.worker {
				sd.Self = true
			} else {
				sd.Addr = workers[s.to.worker].Addr
			}
		}
		r.Sends = append(r.Sends, sd)
	}
	return r
}

// mergeRects groups tiles (of one worker) whose rectangles can be joined
// into larger rectangles, greedily.
func mergeRects(st *partition.Stage, tiles []int) [][]int {
	groups := make([][]int, len(tiles))
	for i, t := range tiles {
		groups[i] = []int{t}
	}
	for merged := true; merged; {
		merged = false
		for a := 0; a < len(groups) && !merged; a++ {
			for b := a + 1; b < len(groups); b++ {
				joined := append(slices.Clone(groups[a]), groups[b]...)
				if hull(st, joined).Area() == area(st, joined) {
					slices.Sort(joined)
					groups[a] = joined
					groups = slices.Delete(groups, b, b+1)
					merged = true
					break
				}
			}
		}
	}
	return groups
}

func hull(st *partition.Stage, tiles []int) graphir.Rect {
	h := st.Tiles[tiles[0]].Rect
	for _, t := range tiles[1:] {
		h = h.Hull(st.Tiles[t].Rect)
	}
	return h
}

func area(st *partition.Stage, tiles []int) int {
	a := 0
	for _, t := range tiles {
		a += st.Tiles[t].Rect.Area()
	}
	return a
}
