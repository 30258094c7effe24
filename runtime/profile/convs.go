package profile

import (
	"fmt"

	"github.com/edgectl/edgectl/graphir"
)

// convSpec is one convolution to time: a layer of a real network or a
// tile's clone of one (a crop of the image, pads only at the image's
// borders, or a slice of the output channels).
type convSpec struct {
	cin, h, w, cout int
	k, stride, grp  int
	pads            [4]int // top, left, bottom, right
	act             graphir.Op
	sum             bool
}

func (c convSpec) String() string {
	s := fmt.Sprintf("conv %dx%dx%d->%d k%d s%d", c.cin, c.h, c.w, c.cout, c.k, c.stride)
	if c.pads != [4]int{} {
		s += fmt.Sprintf(" p%d,%d,%d,%d", c.pads[0], c.pads[1], c.pads[2], c.pads[3])
	}
	if c.grp > 1 {
		s += fmt.Sprintf(" g%d", c.grp)
	}
	if c.act != graphir.OpInvalid {
		s += " +" + c.act.String()
	}
	if c.sum {
		s += " +sum"
	}
	return s
}

// out is the output's rows and columns.
func (c convSpec) out() (oh, ow int) {
	return (c.h+c.pads[0]+c.pads[2]-c.k)/c.stride + 1, (c.w+c.pads[1]+c.pads[3]-c.k)/c.stride + 1
}

func (c convSpec) flops() float64 {
	oh, ow := c.out()
	return 2 * float64(c.cin/max(c.grp, 1)*c.k*c.k) * float64(c.cout) * float64(oh*ow)
}

// build adds the convolution, its activation and residual sum.
func (c convSpec) build(b *builder) (*graphir.Value, error) {
	x := b.input(1, c.cin, c.h, c.w)
	grp := max(c.grp, 1)
	wt := b.constant(0.1, c.cout, c.cin/grp, c.k, c.k)
	bias := b.constant(0.1, c.cout)
	a := graphir.Attrs{}
	a.SetInts("kernel_shape", ints64(c.k, c.k))
	a.SetInts("strides", ints64(c.stride, c.stride))
	a.SetInts("pads", ints64(c.pads[0], c.pads[1], c.pads[2], c.pads[3]))
	a.SetInt("group", int64(grp))
	y, err := b.node(graphir.OpConv, 13, a, x, wt, bias)
	if err != nil {
		return nil, err
	}
	if c.sum {
		z := b.input(y.Shape...)
		if y, err = b.node(graphir.OpAdd, 13, nil, y, z); err != nil {
			return nil, err
		}
	}
	return activation(b, y, c.act)
}

// activation adds op (none for OpInvalid) after y.
func activation(b *builder, y *graphir.Value, op graphir.Op) (*graphir.Value, error) {
	a := graphir.Attrs{}
	switch op {
	case graphir.OpInvalid:
		return y, nil
	case graphir.OpLeakyRelu:
		a.SetFloat("alpha", 0.1)
	case graphir.OpClip:
		a.SetFloat("min", 0)
		a.SetFloat("max", 6)
		return b.node(op, 6, a, y)
	}
	return b.node(op, 13, a, y)
}

// layer is a whole layer: pads k/2 all round.
func layer(cin, hw, cout, k, stride int, act graphir.Op) convSpec {
	p := k / 2
	return convSpec{cin: cin, h: hw, w: hw, cout: cout, k: k, stride: stride, pads: [4]int{p, p, p, p}, act: act}
}

// tile is the clone of c that computes output rows [r0, r1) and columns
// [c0, c1): the input rows and columns its windows read, inside the image,
// and the pads those windows read beyond it (runtime/tilerun's clones).
func (c convSpec) tile(r0, r1, c0, c1 int) convSpec {
	t := c
	t.h, t.pads[0], t.pads[2] = crop(r0, r1, c.stride, c.k, c.pads[0], c.h)
	t.w, t.pads[1], t.pads[3] = crop(c0, c1, c.stride, c.k, c.pads[1], c.w)
	return t
}

func crop(o0, o1, stride, k, pad, size int) (n, before, after int) {
	lo, hi := o0*stride-pad, (o1-1)*stride-pad+k
	return min(hi, size) - max(lo, 0), max(0, -lo), max(0, hi-size)
}

// variants are c's whole layer and clones for tiles of a few partitions:
// the top band of 2 row bands, the middle tile of a 3x3 grid, the corner of
// a 4x4 grid, and the first half and quarter of the output channels.
func (c convSpec) variants() []convSpec {
	oh, ow := c.out()
	out := []convSpec{c}
	if oh >= 4 && ow >= 4 {
		out = append(out, c.tile(0, oh/2, 0, ow), c.tile(oh/3, 2*oh/3, ow/3, 2*ow/3), c.tile(0, (oh+3)/4, 0, (ow+3)/4))
	}
	grp := max(c.grp, 1)
	for _, d := range []int{2, 4} {
		if c.cout%d == 0 && c.cout/d >= 8 && c.cout/grp > 1 {
			h := c
			h.cout = c.cout / d
			out = append(out, h)
		} else if grp > 1 && grp%d == 0 {
			h := c
			h.cout, h.cin, h.grp = c.cout/d, c.cin/d, grp/d
			out = append(out, h)
		}
	}
	return out
}
