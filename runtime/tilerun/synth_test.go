package tilerun

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

// gb builds small graphs of every op the region algebra knows, with odd
// sizes, asymmetric pads, strides, dilations, ceil_mode and branches.
type gb struct {
	t   testing.TB
	g   *graphir.Graph
	rng *rand.Rand
	n   int
}

func newGB(t testing.TB, name string, shape graphir.Shape) (*gb, *graphir.Value) {
	b := &gb{t: t, g: &graphir.Graph{Name: name, Opset: 13}, rng: rand.New(rand.NewPCG(3, uint64(len(name))))}
	x := &graphir.Value{Name: "x", DType: graphir.Float32, Shape: shape}
	b.g.Inputs = []*graphir.Value{x}
	return b, x
}

func (b *gb) name(prefix string) string { b.n++; return fmt.Sprintf("%s%d", prefix, b.n) }

// op adds a node and returns its first output.
func (b *gb) op(op graphir.Op, attrs graphir.Attrs, ins ...*graphir.Value) *graphir.Value {
	return b.opN(op, 1, attrs, ins...)[0]
}

func (b *gb) opN(op graphir.Op, outs int, attrs graphir.Attrs, ins ...*graphir.Value) []*graphir.Value {
	if attrs == nil {
		attrs = graphir.Attrs{}
	}
	n := &graphir.Node{Name: b.name(op.String() + "_"), Op: op, Opset: 13, Inputs: ins, Attrs: attrs}
	for k := 0; k < outs; k++ {
		n.Outputs = append(n.Outputs, &graphir.Value{Name: b.name("v")})
	}
	if err := graphir.InferNode(n); err != nil {
		b.t.Fatal(err)
	}
	b.g.Nodes = append(b.g.Nodes, n)
	return n.Outputs
}

func (b *gb) weight(shape ...int) *graphir.Value {
	s := graphir.Shape(shape)
	data := make([]float32, s.Size())
	for i := range data {
		data[i] = float32(b.rng.Float64()*2 - 1)
	}
	return &graphir.Value{Name: b.name("w"), DType: graphir.Float32, Shape: s, Const: graphir.FromFloats(s, data)}
}

func (b *gb) positive(shape ...int) *graphir.Value {
	w := b.weight(shape...)
	for i, v := range w.Const.F {
		w.Const.F[i] = 0.5 + v*v
	}
	return w
}

func (b *gb) ints(vals ...int64) *graphir.Value {
	s := graphir.Shape{len(vals)}
	return &graphir.Value{Name: b.name("i"), DType: graphir.Int64, Shape: s, Const: graphir.FromInts(s, vals)}
}

func (b *gb) floats(vals ...float32) *graphir.Value {
	s := graphir.Shape{len(vals)}
	return &graphir.Value{Name: b.name("f"), DType: graphir.Float32, Shape: s, Const: graphir.FromFloats(s, vals)}
}

func (b *gb) conv(x *graphir.Value, cout, k int, strides, dil, pads []int64, group int) *graphir.Value {
	cin := x.Shape[1]
	a := graphir.Attrs{}
	a.SetInts("strides", strides)
	a.SetInts("dilations", dil)
	a.SetInts("pads", pads)
	a.SetInt("group", int64(group))
	return b.op(graphir.OpConv, a, x, b.weight(cout, cin/group, k, k), b.weight(cout))
}

func (b *gb) pool(op graphir.Op, x *graphir.Value, k, s int64, pads []int64, ceil, countPad int64, dil int64) *graphir.Value {
	a := graphir.Attrs{}
	a.SetInts("kernel_shape", []int64{k, k})
	a.SetInts("strides", []int64{s, s})
	a.SetInts("pads", pads)
	a.SetInt("ceil_mode", ceil)
	if dil > 1 {
		a.SetInts("dilations", []int64{dil, dil})
	}
	if op == graphir.OpAveragePool {
		a.SetInt("count_include_pad", countPad)
	}
	return b.op(op, a, x)
}

func (b *gb) resize(x *graphir.Value, mode, coord string, sh, sw float32) *graphir.Value {
	a := graphir.Attrs{}
	a.SetString("mode", mode)
	a.SetString("coordinate_transformation_mode", coord)
	if mode == "nearest" {
		a.SetString("nearest_mode", "round_prefer_ceil")
	}
	return b.op(graphir.OpResize, a, x, nil, b.floats(1, 1, sh, sw))
}

func (b *gb) pad(x *graphir.Value, mode string, pads ...int64) *graphir.Value {
	a := graphir.Attrs{}
	a.SetString("mode", mode)
	return b.op(graphir.OpPad, a, x, b.ints(pads...), b.floats(0.25))
}

func (b *gb) done(outs ...*graphir.Value) *graphir.Graph {
	b.g.Outputs = outs
	if err := b.g.Validate(); err != nil {
		b.t.Fatal(err)
	}
	return b.g
}

// synthGraphs are the synthetic graphs of the tests and the fuzz target.
var synthGraphs = []struct {
	name  string
	build func(t testing.TB) *graphir.Graph
}{
	{"windows", synthWindows},
	{"branches", synthBranches},
	{"resample", synthResample},
	{"tail", synthTail},
	{"reorg", synthReorg},
}

// synthWindows: asymmetric pads, stride 2 on odd sizes, dilation, grouped
// conv, ceil_mode pools with and without count_include_pad, MaxPool
// dilation and padding, LRN, BatchNormalization, Softmax over channels.
func synthWindows(t testing.TB) *graphir.Graph {
	b, x := newGB(t, "windows", graphir.Shape{1, 3, 23, 19})
	v := b.conv(x, 4, 3, []int64{1, 1}, []int64{1, 1}, []int64{1, 0, 2, 1}, 1)
	v = b.op(graphir.OpRelu, nil, v)
	v = b.conv(v, 6, 3, []int64{2, 2}, []int64{2, 2}, []int64{2, 1, 1, 2}, 2)
	v = b.pool(graphir.OpAveragePool, v, 3, 2, []int64{1, 1, 1, 1}, 1, 1, 1)
	v = b.op(graphir.OpBatchNormalization, nil, v, b.positive(6), b.weight(6), b.weight(6), b.positive(6))
	v = b.pool(graphir.OpMaxPool, v, 2, 1, []int64{1, 0, 0, 1}, 0, 0, 2)
	lrn := graphir.Attrs{}
	lrn.SetInt("size", 3)
	v = b.op(graphir.OpLRN, lrn, v)
	v = b.conv(v, 5, 2, []int64{1, 2}, []int64{1, 1}, []int64{0, 1, 1, 0}, 1)
	v = b.pool(graphir.OpAveragePool, v, 2, 2, []int64{0, 0, 1, 1}, 1, 0, 1)
	sm := graphir.Attrs{}
	sm.SetInt("axis", 1)
	v = b.op(graphir.OpSoftmax, sm, v)
	v = b.pool(graphir.OpMaxPool, v, 3, 2, []int64{1, 1, 1, 1}, 1, 0, 1)
	return b.done(v)
}

// synthBranches: residual Add, fire-style Concat, dense Concat reusing an
// early value, a broadcast constant with spatial extent, spatial Slice,
// Split along channels, Clip, ReduceMean over channels; two outputs.
func synthBranches(t testing.TB) *graphir.Graph {
	b, x := newGB(t, "branches", graphir.Shape{1, 4, 21, 17})
	stem := b.conv(x, 6, 3, []int64{1, 1}, []int64{1, 1}, []int64{1, 1, 1, 1}, 1)
	a := b.conv(stem, 6, 3, []int64{1, 1}, []int64{1, 1}, []int64{1, 1, 1, 1}, 3)
	a = b.op(graphir.OpAdd, nil, a, stem)
	e1 := b.conv(a, 4, 1, []int64{1, 1}, []int64{1, 1}, []int64{0, 0, 0, 0}, 1)
	e3 := b.conv(a, 4, 3, []int64{1, 1}, []int64{2, 2}, []int64{2, 2, 2, 2}, 1)
	ca := graphir.Attrs{}
	ca.SetInt("axis", 1)
	fire := b.op(graphir.OpConcat, ca, e1, e3)
	mul := b.op(graphir.OpMul, nil, fire, b.weight(1, 1, 21, 17))
	dense := b.op(graphir.OpConcat, ca.Clone(), stem, mul, a)
	clip := b.op(graphir.OpClip, nil, dense, b.floats(-0.5), b.floats(0.75))
	sa := graphir.Attrs{}
	sa.SetInt("axis", 1)
	parts := b.opN(graphir.OpSplit, 2, sa, clip, b.ints(6, 14))
	red := graphir.Attrs{}
	red.SetInts("axes", []int64{1})
	red.SetInt("keepdims", 1)
	mean := b.op(graphir.OpReduceMean, red, parts[1])
	sum := b.op(graphir.OpAdd, nil, parts[0], mean)
	sl := b.op(graphir.OpSlice, nil, sum, b.ints(1, 2), b.ints(20, 17), b.ints(2, 3), b.ints(2, 1))
	v := b.pool(graphir.OpMaxPool, sl, 3, 2, []int64{0, 0, 0, 0}, 1, 0, 1)
	return b.done(v, fire) // a graph output that later nodes also read
}

// synthResample: Pad in every mode (reflect and edge near the borders,
// negative pads), Resize linear, cubic and nearest with several coordinate
// transforms, SpaceToDepth and DepthToSpace.
func synthResample(t testing.TB) *graphir.Graph {
	b, x := newGB(t, "resample", graphir.Shape{1, 2, 13, 11})
	v := b.pad(x, "reflect", 0, 0, 2, 1, 0, 0, 1, 3)
	v = b.conv(v, 4, 3, []int64{1, 1}, []int64{1, 1}, []int64{0, 0, 0, 0}, 1)
	v = b.resize(v, "linear", "half_pixel", 2, 1.5)
	v = b.pad(v, "edge", 0, 0, 1, 0, 0, 0, 0, 2)
	v = b.op(graphir.OpSigmoid, nil, v)
	v = b.resize(v, "cubic", "align_corners", 0.75, 1)
	v = b.pad(v, "constant", 0, 0, 0, 1, 0, 0, -1, 0)
	v = b.resize(v, "nearest", "asymmetric", 2, 2)
	v = b.pad(v, "wrap", 0, 0, 1, 1, 0, 0, 1, 1)
	s2d := graphir.Attrs{}
	s2d.SetInt("blocksize", 2)
	if v.Shape[2]%2 != 0 || v.Shape[3]%2 != 0 {
		v = b.pad(v, "constant", 0, 0, 0, 0, 0, 0, int64(v.Shape[2]%2), int64(v.Shape[3]%2))
	}
	v = b.op(graphir.OpSpaceToDepth, s2d, v)
	v = b.conv(v, 8, 3, []int64{1, 1}, []int64{1, 1}, []int64{1, 1, 1, 1}, 1)
	d2s := graphir.Attrs{}
	d2s.SetInt("blocksize", 2)
	d2s.SetString("mode", "CRD")
	v = b.op(graphir.OpDepthToSpace, d2s, v)
	v = b.conv(v, 3, 3, []int64{2, 2}, []int64{1, 1}, []int64{1, 1, 1, 1}, 1)
	v = b.resize(v, "linear", "pytorch_half_pixel", 0.6, 0.5)
	return b.done(v)
}

// synthTail: a spatial head, InstanceNormalization (not local), global
// pooling, Flatten, and a Gemm / MatMul tail that can be split by
// channels.
func synthTail(t testing.TB) *graphir.Graph {
	b, x := newGB(t, "tail", graphir.Shape{1, 3, 15, 14})
	v := b.conv(x, 8, 3, []int64{2, 2}, []int64{1, 1}, []int64{1, 1, 1, 1}, 1)
	v = b.op(graphir.OpLeakyRelu, nil, v)
	v = b.op(graphir.OpInstanceNormalization, nil, v, b.positive(8), b.weight(8))
	v = b.conv(v, 8, 3, []int64{1, 1}, []int64{1, 1}, []int64{1, 1, 1, 1}, 8)
	v = b.op(graphir.OpHardSwish, nil, v)
	v = b.op(graphir.OpGlobalAveragePool, nil, v)
	fa := graphir.Attrs{}
	fa.SetInt("axis", 1)
	v = b.op(graphir.OpFlatten, fa, v)
	ga := graphir.Attrs{}
	ga.SetInt("transB", 1)
	v = b.op(graphir.OpGemm, ga, v, b.weight(12, 8), b.weight(12))
	v = b.op(graphir.OpRelu, nil, v)
	v = b.op(graphir.OpMatMul, nil, v, b.weight(12, 7))
	v = b.op(graphir.OpAdd, nil, v, b.weight(7))
	return b.done(v)
}

// synthReorg: a YOLOv2 passthrough (Reshape, Transpose, Reshape) in the
// darknet channel order, concatenated with a strided branch.
func synthReorg(t testing.TB) *graphir.Graph {
	b, x := newGB(t, "reorg", graphir.Shape{1, 3, 14, 10})
	v := b.conv(x, 4, 3, []int64{1, 1}, []int64{1, 1}, []int64{1, 1, 1, 1}, 1)
	v = b.op(graphir.OpRelu, nil, v)
	r := b.op(graphir.OpReshape, nil, v, b.ints(1, 4, 7, 2, 5, 2))
	perm := graphir.Attrs{}
	perm.SetInts("perm", []int64{0, 3, 5, 1, 2, 4})
	r = b.op(graphir.OpTranspose, perm, r)
	r = b.op(graphir.OpReshape, nil, r, b.ints(1, 16, 7, 5))
	d := b.conv(v, 6, 3, []int64{2, 2}, []int64{1, 1}, []int64{1, 1, 1, 1}, 1)
	ca := graphir.Attrs{}
	ca.SetInt("axis", 1)
	c := b.op(graphir.OpConcat, ca, r, d)
	return b.done(b.conv(c, 5, 3, []int64{1, 1}, []int64{1, 1}, []int64{1, 1, 1, 1}, 1))
}
