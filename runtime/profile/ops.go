package profile

import (
	"fmt"

	"github.com/edgectl/edgectl/graphir"
)

// poolSpec is a MaxPool or AveragePool on [1, c, h, w].
type poolSpec struct {
	avg         bool
	c, h, w     int
	k, stride   int
	pads        [4]int
	includePads bool
}

func (p poolSpec) String() string {
	op := "maxpool"
	if p.avg {
		op = "avgpool"
	}
	return fmt.Sprintf("%s %dx%dx%d k%d s%d p%d,%d,%d,%d", op, p.c, p.h, p.w, p.k, p.stride, p.pads[0], p.pads[1], p.pads[2], p.pads[3])
}

func (p poolSpec) build(b *builder) (*graphir.Value, error) {
	x := b.input(1, p.c, p.h, p.w)
	a := graphir.Attrs{}
	a.SetInts("kernel_shape", ints64(p.k, p.k))
	a.SetInts("strides", ints64(p.stride, p.stride))
	a.SetInts("pads", ints64(p.pads[0], p.pads[1], p.pads[2], p.pads[3]))
	op := graphir.OpMaxPool
	if p.avg {
		op = graphir.OpAveragePool
	}
	return b.node(op, 13, a, x)
}

// variants: the whole pool, a 2x2 grid's corner tile and a 3x3 grid's
// middle one (crops as for convolutions), half the channels.
func (p poolSpec) variants() []poolSpec {
	c := convSpec{h: p.h, w: p.w, k: p.k, stride: p.stride, pads: p.pads}
	oh, ow := c.out()
	out := []poolSpec{p}
	for _, t := range []convSpec{c.tile(0, (oh+1)/2, 0, (ow+1)/2), c.tile(oh/3, 2*oh/3, ow/3, 2*ow/3)} {
		if oh >= 3 && ow >= 3 {
			q := p
			q.h, q.w, q.pads = t.h, t.w, t.pads
			out = append(out, q)
		}
	}
	q := p
	q.c = p.c / 2
	return append(out, q)
}

// gemmSpec is a fully-connected layer at batch 1: [1, k] x [k, n] + bias
// (the weights stored [n, k], transB as PyTorch exports them).
type gemmSpec struct{ k, n int }

func (g gemmSpec) String() string { return fmt.Sprintf("gemm 1x%d->%d", g.k, g.n) }

func (g gemmSpec) build(b *builder) (*graphir.Value, error) {
	x := b.input(1, g.k)
	w := b.constant(0.05, g.n, g.k)
	c := b.constant(0.1, g.n)
	a := graphir.Attrs{}
	a.SetInt("transB", 1)
	return b.node(graphir.OpGemm, 13, a, x, w, c)
}

// shapeSpec is an op on one or more [1, c, h, w] inputs: element-wise
// ops, global pools, concatenations and moves.
type shapeSpec struct {
	op      graphir.Op
	c, h, w int
	extra   int // the op's own parameter: inputs of a Concat, a Pad's width, a Resize's scale
	bcast   bool
}

func (s shapeSpec) String() string {
	t := fmt.Sprintf("%s %dx%dx%d", s.op, s.c, s.h, s.w)
	if s.extra > 0 {
		t += fmt.Sprintf(" n%d", s.extra)
	}
	if s.bcast {
		t += " bcast"
	}
	return t
}

func (s shapeSpec) build(b *builder) (*graphir.Value, error) {
	a := graphir.Attrs{}
	if s.op == graphir.OpTranspose {
		// YOLOv2's reorg: [1, c, h/2, 2, w/2, 2] to [1, c, 2, 2, h/2, w/2].
		a.SetInts("perm", ints64(0, 1, 3, 5, 2, 4))
		return b.node(s.op, 13, a, b.input(1, s.c, s.h/2, 2, s.w/2, 2))
	}
	x := b.input(1, s.c, s.h, s.w)
	switch s.op {
	case graphir.OpAdd, graphir.OpMul:
		if !s.bcast {
			return b.node(s.op, 13, nil, x, b.input(1, s.c, s.h, s.w))
		}
		if s.extra == 1 { // [1, 1, h, w]: not a trailing block, so the reference runs it
			return b.node(s.op, 13, nil, x, b.input(1, 1, s.h, s.w))
		}
		return b.node(s.op, 13, nil, x, b.constant(1, 1, s.c, 1, 1))
	case graphir.OpBatchNormalization:
		return b.node(s.op, 15, nil, x, b.constant(1, s.c), b.constant(1, s.c), b.constant(1, s.c), b.positive(s.c))
	case graphir.OpSoftmax:
		a.SetInt("axis", 1)
	case graphir.OpConcat:
		a.SetInt("axis", 1)
		ins := []*graphir.Value{x}
		for i := 1; i < max(s.extra, 2); i++ {
			ins = append(ins, b.input(1, s.c, s.h, s.w))
		}
		return b.node(s.op, 13, a, ins...)
	case graphir.OpPad:
		a.SetString("mode", "constant")
		a.SetInts("pads", ints64(0, 0, 0, 0, 0, 0, s.extra, s.extra))
		return b.node(s.op, 2, a, x)
	case graphir.OpSlice:
		a.SetInts("starts", ints64(0, 0, 1, 1))
		a.SetInts("ends", ints64(1, s.c, s.h-1, s.w-1))
		return b.node(s.op, 9, a, x)
	case graphir.OpSplit:
		a.SetInt("axis", 1)
		a.SetInts("split", ints64(s.c/2, s.c-s.c/2))
		outs, err := b.nodeN(s.op, 11, a, 2, x)
		if err != nil {
			return nil, err
		}
		return outs[0], nil
	case graphir.OpReshape:
		return b.node(s.op, 5, nil, x, b.shape(1, s.c*s.h*s.w))
	case graphir.OpUpsample:
		scales := b.constant(0, 4)
		copy(scales.Const.F, []float32{1, 1, float32(s.extra), float32(s.extra)})
		a.SetString("mode", "nearest")
		return b.node(s.op, 9, a, x, scales)
	case graphir.OpLeakyRelu:
		a.SetFloat("alpha", 0.1)
	}
	return b.node(s.op, 13, a, x)
}

// shape is an int64 constant (a Reshape target).
func (b *builder) shape(dims ...int) *graphir.Value {
	t := graphir.FromInts(graphir.Shape{len(dims)}, ints64(dims...))
	return &graphir.Value{Name: b.name("s"), DType: graphir.Int64, Shape: t.Shape, Const: t}
}

// positive is a constant of n values in [0.5, 1.5) (a variance).
func (b *builder) positive(n int) *graphir.Value {
	v := b.constant(0.5, n)
	for i := range v.Const.F {
		v.Const.F[i] += 1
	}
	return v
}
