package ref

import (
	"fmt"
	"math"

	"github.com/edgectl/edgectl/graphir"
)

func init() {
	Register(graphir.OpMaxPool, maxPoolKernel)
	Register(graphir.OpAveragePool, avgPoolKernel)
	Register(graphir.OpGlobalAveragePool, globalAvgPoolKernel)
	Register(graphir.OpGlobalMaxPool, globalMaxPoolKernel)
}

// nnWindowTaps lists, for output position o along one axis, the input
// positions its window reads (inside the input) and how many window
// positions lie inside the padded input [-padBegin, size+padEnd).
func nnWindowTaps(o, stride, dilation, kernel, padBegin, padEnd, size int) (taps []int, padded int) {
	start := o*stride - padBegin
	for k := 0; k < kernel; k++ {
		p := start + k*dilation
		if p >= -padBegin && p < size+padEnd {
			padded++
		}
		if p >= 0 && p < size {
			taps = append(taps, p)
		}
	}
	return taps, padded
}

// nnPool runs fn over every output window of a pool with any number of
// spatial axes. fn gets the input plane, the offsets in it of the window
// positions inside the input, and the number of window positions inside the
// padded input; it returns the output value and the offset it was taken
// from (-1 for none), which fills the optional int64 indices output (out[1]).
func nnPool(n *graphir.Node, in, out []*graphir.Tensor, fn func(plane []float32, offs []int, padded int) (float32, int)) error {
	x, y := in[0], out[0]
	var indices *graphir.Tensor
	if len(out) > 1 {
		indices = out[1]
	}
	columnMajor := n.Attrs["storage_order"].Int == 1
	k, s, d, p := nnInts(n, "kernel_shape"), nnInts(n, "strides"), nnInts(n, "dilations"), nnInts(n, "pads")
	spatial := len(x.Shape) - 2
	if spatial < 1 || len(k) != spatial || len(s) != spatial || len(d) != spatial || len(p) != 2*spatial {
		return fmt.Errorf("pool attributes are not normalised for input %v", x.Shape)
	}
	inSp, outSp := x.Shape[2:], y.Shape[2:]
	inStrides := inSp.Strides()

	// taps[a][o] are the input positions along axis a read by output
	// position o; padded[a][o] counts the window positions in the padding too.
	taps := make([][][]int, spatial)
	padded := make([][]int, spatial)
	for a := 0; a < spatial; a++ {
		taps[a] = make([][]int, outSp[a])
		padded[a] = make([]int, outSp[a])
		for o := range taps[a] {
			taps[a][o], padded[a][o] = nnWindowTaps(o, s[a], d[a], k[a], p[a], p[spatial+a], inSp[a])
		}
	}

	inPlane, outPlane := inSp.Size(), outSp.Size()
	pos := make([]int, spatial) // output position, row-major
	var offs, next []int
	for c := 0; c < x.Shape[0]*x.Shape[1]; c++ {
		plane := x.F[c*inPlane : (c+1)*inPlane]
		for o := 0; o < outPlane; o++ {
			rem := o
			for a := spatial - 1; a >= 0; a-- {
				pos[a], rem = rem%outSp[a], rem/outSp[a]
			}
			offs = append(offs[:0], 0)
			count := 1
			for a := 0; a < spatial; a++ {
				next = next[:0]
				for _, off := range offs {
					for _, t := range taps[a][pos[a]] {
						next = append(next, off+t*inStrides[a])
					}
				}
				offs, next = next, offs
				count *= padded[a][pos[a]]
			}
			v, at := fn(plane, offs, count)
			y.F[c*outPlane+o] = v
			if indices != nil {
				indices.I[c*outPlane+o] = nnPoolIndex(c, at, inSp, columnMajor)
			}
		}
	}
	return nil
}

// nnPoolIndex is the MaxPool index of offset at (row-major) in plane c of
// the input: the flat row-major index into the whole input, or with
// storage_order 1 the plane offset plus the column-major index within the
// plane (as onnxruntime does). -1 stays -1.
func nnPoolIndex(c, at int, inSp graphir.Shape, columnMajor bool) int64 {
	if at < 0 {
		return -1
	}
	if columnMajor {
		pos := make([]int, len(inSp))
		for a := len(inSp) - 1; a >= 0; a-- {
			pos[a], at = at%inSp[a], at/inSp[a]
		}
		stride := 1
		for a := range inSp {
			at += pos[a] * stride
			stride *= inSp[a]
		}
	}
	return int64(c*inSp.Size() + at)
}

// maxPoolKernel takes the maximum over the window positions inside the
// input (the first one on ties); a window with none (possible only with
// large dilations) gives 0 and index -1.
func maxPoolKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	return nnPool(n, in, out, func(plane []float32, offs []int, _ int) (float32, int) {
		if len(offs) == 0 {
			return 0, -1
		}
		m, at := plane[offs[0]], offs[0]
		for _, o := range offs[1:] {
			if v := plane[o]; v > m || (math.IsNaN(float64(v)) && !math.IsNaN(float64(m))) {
				m, at = v, o
			}
		}
		return m, at
	})
}

// avgPoolKernel averages the window positions inside the input. With
// count_include_pad the divisor also counts the positions in the pads (but
// not those past the end pad that ceil_mode can add); without it, only
// positions inside the input. An empty window gives 0.
func avgPoolKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	includePad := n.Attrs["count_include_pad"].Int != 0
	return nnPool(n, in, out, func(plane []float32, offs []int, padded int) (float32, int) {
		count := len(offs)
		if includePad {
			count = padded
		}
		if count == 0 {
			return 0, -1
		}
		sum := 0.0
		for _, o := range offs {
			sum += float64(plane[o])
		}
		return float32(sum / float64(count)), -1
	})
}

// nnGlobalPool reduces each N, C plane of any spatial rank with fn.
func nnGlobalPool(in, out []*graphir.Tensor, fn func(plane []float32) float32) error {
	x, y := in[0], out[0]
	planes := x.Shape[0] * x.Shape[1]
	size := 0
	if planes > 0 {
		size = len(x.F) / planes
	}
	for c := 0; c < planes; c++ {
		y.F[c] = fn(x.F[c*size : (c+1)*size])
	}
	return nil
}

func globalAvgPoolKernel(_ *graphir.Node, in, out []*graphir.Tensor) error {
	return nnGlobalPool(in, out, func(plane []float32) float32 {
		sum := 0.0
		for _, v := range plane {
			sum += float64(v)
		}
		return float32(sum / float64(len(plane)))
	})
}

func globalMaxPoolKernel(_ *graphir.Node, in, out []*graphir.Tensor) error {
	return nnGlobalPool(in, out, func(plane []float32) float32 {
		m := float32(math.Inf(-1))
		for _, v := range plane {
			if v > m || math.IsNaN(float64(v)) {
				m = v
			}
		}
		return m
	})
}
