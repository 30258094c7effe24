package worker

import (
	"io"
	"runtime/debug"
	"sort"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
)

// Weights that a worker's tiles need only a part of.
//
// A channel tile (a layer split by output channels) runs on its slice of
// the layer's weights: tilerun crops them from the whole constant when it
// builds the tile's graph. Reading the whole constant to crop it kept it
// resident beside the crop: a quarter of VGG-16's FC layers came with all
// of them (494 MB for a 124 MB share). So a constant that only channel
// tiles of this worker read, each a part of it, is read sparsely: its
// tensor is allocated at full size but only the bytes of the parts are
// read into it; the rest is never touched, so the kernel never maps it
// (resident memory is what was read). Once every such tile has built its
// graph (its first run), the constants are released; only the crops
// stay.

// partialConstants finds, in prog, the constants that the held tiles read
// only in parts (channel tiles), with the boxes read of each, by name.
func partialConstants(prog *partition.Program, held map[tileKey]bool) map[string][]partition.Box {
	whole := map[string]bool{}
	parts := map[string][]partition.Box{}
	for k := range held {
		t := prog.Stages[k.stage].Tiles[k.tile]
		tr := t.ChannelTrace()
		for i, n := range t.Of().Nodes {
			var cr *graphir.ChannelRegion
			if tr != nil {
				if _, ok := tr.Spans[n.Outputs[0]]; !ok {
					continue // not computed by this tile
				}
				cr = &tr.Nodes[i]
			}
			for j, in := range n.Inputs {
				if in == nil || !in.IsConst() {
					continue
				}
				if cr == nil || cr.Inputs[j].Whole {
					whole[in.Name] = true
					continue
				}
				b := partition.ChannelBox(in, cr.Inputs[j])
				if b.Equal(partition.FullBox(in.Shape)) {
					whole[in.Name] = true
					continue
				}
				parts[in.Name] = append(parts[in.Name], b)
			}
		}
	}
	for name := range whole {
		delete(parts, name)
	}
	return parts
}

// sparseReader reads a constant's data (a read of exactly size bytes past
// the file's header) only where boxes of its shape lie, leaving the rest
// of the buffer untouched; every other read passes through.
type sparseReader struct {
	r     io.ReaderAt
	shape graphir.Shape
	elem  int
	boxes []partition.Box
	read  int64 // bytes read of the constant
}

func (s *sparseReader) ReadAt(b []byte, off int64) (int, error) {
	size := int64(s.shape.Size()) * int64(s.elem)
	// An .edgeir file starts with a 24-byte preamble and its JSON header
	// at 24; constants lie after it.
	if off <= 24 || int64(len(b)) != size {
		return s.r.ReadAt(b, off)
	}
	for _, rn := range runs(s.shape, s.boxes) {
		lo, hi := rn[0]*int64(s.elem), rn[1]*int64(s.elem)
		if _, err := s.r.ReadAt(b[lo:hi], off+lo); err != nil {
			return 0, err
		}
		s.read += hi - lo
	}
	return len(b), nil
}

// runs are the element ranges [lo, hi) of a row-major tensor of shape
// that boxes cover, merged.
func runs(shape graphir.Shape, boxes []partition.Box) [][2]int64 {
	var out [][2]int64
	for _, b := range boxes {
		out = append(out, boxRuns(shape, b)...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	var merged [][2]int64
	for _, r := range out {
		if n := len(merged); n > 0 && r[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], r[1])
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// boxRuns are the contiguous element ranges of box b in a row-major
// tensor of shape: the trailing axes that b covers whole are one run.
func boxRuns(shape graphir.Shape, b partition.Box) [][2]int64 {
	rank := len(shape)
	if rank == 0 || b.Empty() {
		return nil
	}
	strides := make([]int64, rank)
	s := int64(1)
	for a := rank - 1; a >= 0; a-- {
		strides[a] = s
		s *= int64(shape[a])
	}
	// k is the first axis from which b is contiguous: the axes after k
	// are whole, so one run spans b's range on axis k.
	k := rank - 1
	for k > 0 && b.Lo[k] == 0 && b.Hi[k] == shape[k] {
		k--
	}
	runLen := int64(b.Hi[k]-b.Lo[k]) * strides[k]
	var out [][2]int64
	idx := make([]int, k)
	for i := range idx {
		idx[i] = b.Lo[i]
	}
	for {
		start := int64(b.Lo[k]) * strides[k]
		for a := range k {
			start += int64(idx[a]) * strides[a]
		}
		out = append(out, [2]int64{start, start + runLen})
		a := k - 1
		for ; a >= 0; a-- {
			idx[a]++
			if idx[a] < b.Hi[a] {
				break
			}
			idx[a] = b.Lo[a]
		}
		if a < 0 {
			return out
		}
	}
}

// readPartial reads each constant of g named in partial sparsely (only
// its boxes; one pass over the file each) and returns them with the bytes
// read.
func (s *Server) readPartial(path string, g *graphir.Graph, partial map[string][]partition.Box) ([]*graphir.Value, int64, error) {
	if len(partial) == 0 {
		return nil, 0, nil
	}
	byName := map[string]*graphir.Value{}
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			if in != nil && partial[in.Name] != nil {
				byName[in.Name] = in
			}
		}
	}
	names := make([]string, 0, len(byName))
	for name := range byName {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []*graphir.Value
	var total int64
	for _, name := range names {
		v := byName[name]
		sr := &sparseReader{shape: v.Shape, elem: v.DType.Size(), boxes: partial[name]}
		one, err := s.loadModelFrom(path, func(n string) bool { return n != name },
			func(r io.ReaderAt) io.ReaderAt { sr.r = r; return sr })
		if err != nil {
			return nil, 0, err
		}
		t := constOf(one, name)
		if t == nil || t.F == nil || sr.read == 0 {
			return nil, 0, status.Errorf(codes.Internal, "open: constant %q was not read in parts (internal error)", name)
		}
		v.Const = t
		out = append(out, v)
		total += sr.read
	}
	return out, total, nil
}

// constOf finds constant name's data in g.
func constOf(g *graphir.Graph, name string) *graphir.Tensor {
	for _, n := range g.Nodes {
		for _, in := range n.Inputs {
			if in != nil && in.Name == name && in.IsConst() {
				return in.Const
			}
		}
	}
	return nil
}

// built notes that held tile k has run (its graph is built, with its
// crops); once every held channel tile has, the partly read constants are
// released: they hold nothing that a tile still needs, and a read of what
// was left out fails instead of computing with zeros.
func (ss *session) built(k tileKey) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !ss.unbuilt[k] {
		return
	}
	delete(ss.unbuilt, k)
	if len(ss.unbuilt) > 0 {
		return
	}
	for _, v := range ss.sparse {
		v.Const = &graphir.Tensor{DType: v.Const.DType, Shape: v.Const.Shape}
	}
	ss.sparse = nil
	go debug.FreeOSMemory()
}
