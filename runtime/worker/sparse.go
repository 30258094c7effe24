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
	tiles := make([]*partition.Tile, 0, len(held))
	for k := range held {
		tiles = append(tiles, prog.Stages[k.stage].Tiles[k.tile])
	}
	return partition.PartialConsts(tiles)
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
	for _, rn := range partition.ByteRuns(s.shape, s.boxes, s.elem) {
		lo, hi := rn[0], rn[1]
		if _, err := s.r.ReadAt(b[lo:hi], off+lo); err != nil {
			return 0, err
		}
		s.read += hi - lo
	}
	return len(b), nil
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
