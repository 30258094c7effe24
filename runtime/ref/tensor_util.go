package ref

import "github.com/edgectl/edgectl/graphir"

// offsetIter walks a shape in row-major order and tracks, for each operand,
// the element offset that belongs to the current position: off[k] is the sum
// of pos[d]*strides[k][d]. Offsets start at zero; a caller may add a base
// offset before walking. Broadcasting uses stride 0, transposes permuted
// strides.
type offsetIter struct {
	shape   graphir.Shape
	strides [][]int
	pos     []int
	off     []int
}

func newOffsetIter(shape graphir.Shape, strides ...[]int) *offsetIter {
	return &offsetIter{
		shape:   shape,
		strides: strides,
		pos:     make([]int, len(shape)),
		off:     make([]int, len(strides)),
	}
}

// next moves to the following position.
func (it *offsetIter) next() {
	for d := len(it.shape) - 1; d >= 0; d-- {
		it.pos[d]++
		for k, st := range it.strides {
			it.off[k] += st[d]
		}
		if it.pos[d] < it.shape[d] {
			return
		}
		for k, st := range it.strides {
			it.off[k] -= st[d] * it.shape[d]
		}
		it.pos[d] = 0
	}
}

// tensorCopy copies n elements from src at sOff to dst at dOff; both
// tensors have the same type.
func tensorCopy(dst *graphir.Tensor, dOff int, src *graphir.Tensor, sOff, n int) {
	if dst.DType == graphir.Int64 {
		copy(dst.I[dOff:dOff+n], src.I[sOff:sOff+n])
		return
	}
	copy(dst.F[dOff:dOff+n], src.F[sOff:sOff+n])
}

// tensorStrided fills dst (in row-major order) from src read with the given
// base offset and strides, one per axis of dst.
func tensorStrided(dst, src *graphir.Tensor, base int, strides []int) {
	if dst.DType == graphir.Int64 {
		stridedT(dst.I, src.I, dst.Shape, base, strides)
		return
	}
	stridedT(dst.F, src.F, dst.Shape, base, strides)
}

func stridedT[T float32 | int64](dst, src []T, shape graphir.Shape, base int, strides []int) {
	it := newOffsetIter(shape, strides)
	it.off[0] = base
	for i := range dst {
		dst[i] = src[it.off[0]]
		it.next()
	}
}

// tensorMapped fills dst so that the element at position p reads src at
// position (maps[0][p[0]], maps[1][p[1]], ...); a -1 in any map selects
// fill instead. It serves Slice, Pad, Tile and Expand.
func tensorMapped(dst, src *graphir.Tensor, maps [][]int, fill float32) {
	if dst.DType == graphir.Int64 {
		mappedT(dst.I, src.I, src.Shape, maps, int64(fill))
		return
	}
	mappedT(dst.F, src.F, src.Shape, maps, fill)
}

func mappedT[T float32 | int64](dst, src []T, srcShape graphir.Shape, maps [][]int, fill T) {
	st := srcShape.Strides()
	pos := make([]int, len(maps))
	for i := range dst {
		off, pad := 0, false
		for d, m := range maps {
			j := m[pos[d]]
			if j < 0 {
				pad = true
				break
			}
			off += j * st[d]
		}
		if pad {
			dst[i] = fill
		} else {
			dst[i] = src[off]
		}
		for d := len(pos) - 1; d >= 0; d-- {
			if pos[d]++; pos[d] < len(maps[d]) {
				break
			}
			pos[d] = 0
		}
	}
}
