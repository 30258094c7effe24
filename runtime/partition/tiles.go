package partition

import (
	"fmt"

	"github.com/edgectl/edgectl/graphir"
)

// Tracing of tiles: what each part of a stage's output needs.

// spatialTile traces rectangle r of the stage's outputs back through the
// stage.
func (s *Stage) spatialTile(r graphir.Rect, device string) (*Tile, error) {
	want := make(map[*graphir.Value]graphir.Rect, len(s.Outputs))
	for _, o := range s.Outputs {
		want[o] = r
	}
	tr, err := graphir.TraceBlock(s.Nodes, want)
	if err != nil {
		return nil, fmt.Errorf("stage %d %q tile %v: %w", s.Index, s.Name, r, err)
	}
	t := &Tile{Stage: s.Index, Device: device, Rect: r, st: s, spatial: tr}
	for _, v := range s.Inputs {
		t.In = append(t.In, Part{v.Name, RectBox(v.Shape, tr.Regions[v])})
	}
	for _, o := range s.Outputs {
		t.Out = append(t.Out, Part{o.Name, RectBox(o.Shape, r)})
	}
	return t, nil
}

// channelTile traces output channel range sp back through the stage.
func (s *Stage) channelTile(sp graphir.Span, device string) (*Tile, error) {
	o := s.Outputs[0]
	tr, err := graphir.TraceChannelBlock(s.Nodes, map[*graphir.Value]graphir.Span{o: sp})
	if err != nil {
		return nil, fmt.Errorf("stage %d %q channels %v: %w", s.Index, s.Name, sp, err)
	}
	t := &Tile{Stage: s.Index, Device: device, Channels: sp, st: s, channel: tr}
	for _, v := range s.Inputs {
		t.In = append(t.In, Part{v.Name, ChannelBox(v, tr.Spans[v])})
	}
	t.Out = []Part{{o.Name, AxisBox(o.Shape, 1, sp)}}
	if len(o.Shape) >= 3 {
		t.Rect = graphir.FullRect(o.Shape)
	}
	return t, nil
}

// ChannelBox is the box of v that a channel need covers.
func ChannelBox(v *graphir.Value, c graphir.ChannelNeed) Box {
	if c.Whole {
		return FullBox(v.Shape)
	}
	return AxisBox(v.Shape, c.Axis, c.Span)
}

// singleTile is the one tile of a single stage.
func (s *Stage) singleTile(device string) *Tile {
	t := &Tile{Stage: s.Index, Device: device, st: s}
	for _, v := range s.Inputs {
		t.In = append(t.In, Part{v.Name, FullBox(v.Shape)})
	}
	for _, o := range s.Outputs {
		t.Out = append(t.Out, Part{o.Name, FullBox(o.Shape)})
	}
	if len(s.Outputs) > 0 {
		t.Rect = graphir.FullRect(s.Outputs[0].Shape)
	}
	return t
}

// TileFor compiles an extra tile of a spatially split stage computing any
// rectangle r of its outputs, on device. A worker holding several
// neighbouring tiles can run one tile for the rectangle covering them all
// and Cut each tile's Out box from its result, so that the overlap of their
// halos is computed once.
func (s *Stage) TileFor(r graphir.Rect, device string) (*Tile, error) {
	if !s.bound.Spatial() {
		return nil, fmt.Errorf("stage %d %q is not split by rows and cols", s.Index, s.Name)
	}
	full := graphir.FullRect(s.Outputs[0].Shape)
	if r.Empty() || !full.Contains(r) {
		return nil, fmt.Errorf("stage %d %q: rectangle %v is empty or outside the output %v", s.Index, s.Name, r, full)
	}
	t, err := s.spatialTile(r, device)
	if err != nil {
		return nil, err
	}
	t.Index = -1
	return t, nil
}

// Regions returns the rectangle of every image value a spatial tile reads
// or computes (computed values: the region computed, including the halo
// that neighbouring tiles compute too). It is nil for other tiles.
func (t *Tile) Regions() map[string]graphir.Rect {
	if t.spatial == nil {
		return nil
	}
	out := make(map[string]graphir.Rect, len(t.spatial.Regions))
	for v, r := range t.spatial.Regions {
		out[v.Name] = r
	}
	return out
}

// UnionRect returns the rectangle covered by spatial tiles of one stage
// and whether it is exactly their union (tiles of a grid never overlap), so
// that TileFor can compute them as one.
func UnionRect(tiles ...*Tile) (graphir.Rect, bool) {
	var hull graphir.Rect
	area := 0
	for _, t := range tiles {
		if t.spatial == nil || t.Stage != tiles[0].Stage {
			return graphir.Rect{}, false
		}
		hull = hull.Hull(t.Rect)
		area += t.Rect.Area()
	}
	return hull, len(tiles) > 0 && hull.Area() == area
}
