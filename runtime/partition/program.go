package partition

import (
	"fmt"

	"github.com/edgectl/edgectl/graphir"
)

// Program is a plan compiled against its graph: stages in order, each with
// its tiles. It is immutable after Compile and safe for concurrent use.
type Program struct {
	Graph  *graphir.Graph
	Plan   *graphir.Plan
	Stages []*Stage

	producer map[string]int // value name -> index of the stage computing it
}

// Stage is one compiled plan stage.
type Stage struct {
	Index int
	Name  string
	Kind  graphir.StageKind
	// Nodes run in this stage, in graph order. Inputs are the values it
	// reads from earlier stages or graph inputs; Outputs the values it
	// computes for later stages or as graph outputs (one Part of each in
	// every tile's In and Out, in this order).
	Nodes   []*graphir.Node
	Inputs  []*graphir.Value
	Outputs []*graphir.Value
	Tiles   []*Tile

	bound graphir.BoundStage
}

// Tile is one partition of a stage: it runs on Device, needs In and
// produces Out.
type Tile struct {
	Stage  int // index of its stage in Program.Stages
	Index  int // index in Stage.Tiles (-1 for a tile made by TileFor)
	Device string
	// Rect is the output rectangle of a tile of a spatial split (fused, or
	// layer-wise by rows); Channels the output channel range of a channel
	// split. A single stage's tile has the full rectangle of its first
	// output (when it has one) and an empty Channels.
	Rect     graphir.Rect
	Channels graphir.Span
	// In holds one Part per stage input (Stage.Inputs order): the box of
	// the value the tile reads. A box may be empty when the tile does not
	// read that input. Out holds one Part per stage output.
	In  []Part
	Out []Part

	st      *Stage
	spatial *graphir.BlockTrace
	channel *graphir.ChannelTrace
}

// Spatial is the trace of a tile of a spatial split: the region of every
// value and node of the stage it computes; nil for other tiles.
func (t *Tile) Spatial() *graphir.BlockTrace { return t.spatial }

// ChannelTrace is the trace of a tile of a channel split: the channels of
// every value of the stage it computes; nil for other tiles.
func (t *Tile) ChannelTrace() *graphir.ChannelTrace { return t.channel }

// Of returns the stage the tile belongs to.
func (t *Tile) Of() *Stage { return t.st }

// Source says where a piece of a tile's input comes from: Box (in value
// coordinates) of Value, held in the output of tile Tile of stage Stage, or
// a graph input when Stage is -1.
type Source struct {
	Need  int // index into the consuming tile's In
	Value string
	Stage int
	Tile  int
	Box   Box
}

// Compile binds plan to g (every problem reported at once, see
// graphir.Plan.Bind) and traces every tile's regions.
func Compile(g *graphir.Graph, plan *graphir.Plan) (*Program, error) {
	bound, err := plan.Bind(g)
	if err != nil {
		return nil, err
	}
	p := &Program{Graph: g, Plan: plan, producer: map[string]int{}}
	for i := range bound {
		st, err := CompileStage(bound[i])
		if err != nil {
			return nil, err
		}
		for _, o := range st.Outputs {
			p.producer[o.Name] = i
		}
		p.Stages = append(p.Stages, st)
	}
	return p, nil
}

// Sources lists, for every need of tile t, the upstream tiles whose
// outputs hold a piece of it and that piece (graph inputs: Stage -1). The
// pieces of one need do not overlap and together cover it.
func (p *Program) Sources(t *Tile) []Source {
	var out []Source
	for i, need := range t.In {
		if need.Box.Empty() {
			continue
		}
		si, ok := p.producer[need.Value]
		if !ok || si >= t.Stage {
			out = append(out, Source{Need: i, Value: need.Value, Stage: -1, Tile: -1, Box: need.Box})
			continue
		}
		for _, u := range p.Stages[si].Tiles {
			for _, o := range u.Out {
				if o.Value != need.Value {
					continue
				}
				if inter := need.Box.Intersect(o.Box); !inter.Empty() {
					out = append(out, Source{Need: i, Value: need.Value, Stage: si, Tile: u.Index, Box: inter})
				}
			}
		}
	}
	return out
}

// Assemble builds the stage's whole output values from every tile's
// output (outs[i] is what Tiles[i].Run returned).
func (s *Stage) Assemble(outs []map[string]*graphir.Tensor) (map[string]*graphir.Tensor, error) {
	if len(outs) != len(s.Tiles) {
		return nil, fmt.Errorf("stage %d %q: %d tile outputs for %d tiles", s.Index, s.Name, len(outs), len(s.Tiles))
	}
	res := make(map[string]*graphir.Tensor, len(s.Outputs))
	for k, o := range s.Outputs {
		whole := graphir.NewTensor(o.DType, o.Shape)
		for i, t := range s.Tiles {
			part := outs[i][o.Name]
			if part == nil {
				return nil, fmt.Errorf("stage %d %q tile %d: output %q is missing", s.Index, s.Name, i, o.Name)
			}
			if err := Paste(whole, FullBox(o.Shape), part, t.Out[k].Box); err != nil {
				return nil, fmt.Errorf("stage %d %q tile %d output %q: %w", s.Index, s.Name, i, o.Name, err)
			}
		}
		res[o.Name] = whole
	}
	return res, nil
}

// Spatial reports whether the stage is split by a grid of rectangles
// (fused, or layer-wise by rows).
func (s *Stage) Spatial() bool { return s.bound.Spatial() }

// Bound is the stage resolved against its graph (nodes, boundaries).
func (s *Stage) Bound() graphir.BoundStage { return s.bound }

// CompileStage traces the tiles of one stage, bound on its own
// (graphir.BindStage), exactly as Compile traces the stages of a plan: the
// planner prices candidate stages with it. The stage's index is b.Index.
func CompileStage(b graphir.BoundStage) (*Stage, error) {
	st := &Stage{Index: b.Index, Name: b.Stage.Name, Kind: b.Stage.Kind, Nodes: b.Nodes,
		Inputs: b.Inputs, Outputs: b.Outputs, bound: b}
	devs := b.Stage.Split.Devices
	switch {
	case b.Spatial():
		cols := len(b.Cols) - 1
		for r := 0; r+1 < len(b.Rows); r++ {
			for c := 0; c < cols; c++ {
				t, err := st.spatialTile(b.Grid(r, c), devs[r*cols+c])
				if err != nil {
					return nil, err
				}
				t.Index = len(st.Tiles)
				st.Tiles = append(st.Tiles, t)
			}
		}
	case b.Stage.Kind == graphir.StageLayerwise:
		for k := 0; k+1 < len(b.Channels); k++ {
			t, err := st.channelTile(graphir.Span{Lo: b.Channels[k], Hi: b.Channels[k+1]}, devs[k])
			if err != nil {
				return nil, err
			}
			t.Index = k
			st.Tiles = append(st.Tiles, t)
		}
	default:
		st.Tiles = []*Tile{st.singleTile(devs[0])}
	}
	return st, nil
}
