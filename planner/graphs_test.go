package planner

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner/costmodel"
)

// builder makes small test graphs with random weights.
type builder struct {
	t   testing.TB
	g   *graphir.Graph
	rng *rand.Rand
	n   int
}

func newBuilder(t testing.TB, input graphir.Shape) (*builder, *graphir.Value) {
	x := &graphir.Value{Name: "x", DType: graphir.Float32, Shape: input}
	return &builder{t: t, rng: rand.New(rand.NewPCG(3, 4)), g: &graphir.Graph{Name: "test", Opset: 13, Inputs: []*graphir.Value{x}}}, x
}

func (b *builder) constant(shape graphir.Shape) *graphir.Value {
	b.n++
	t := graphir.NewTensor(graphir.Float32, shape)
	for i := range t.F {
		t.F[i] = (b.rng.Float32()*2 - 1) * 0.3
	}
	return &graphir.Value{Name: fmt.Sprintf("c%d", b.n), DType: graphir.Float32, Shape: shape, Const: t}
}

func (b *builder) node(op graphir.Op, attrs graphir.Attrs, inputs ...*graphir.Value) *graphir.Value {
	b.t.Helper()
	b.n++
	if attrs == nil {
		attrs = graphir.Attrs{}
	}
	y := &graphir.Value{Name: fmt.Sprintf("v%d", b.n)}
	n := &graphir.Node{Name: fmt.Sprintf("%s_%d", op, b.n), Op: op, Opset: 13, Inputs: inputs, Outputs: []*graphir.Value{y}, Attrs: attrs}
	if err := graphir.InferNode(n); err != nil {
		b.t.Fatal(err)
	}
	y.Producer = n
	b.g.Nodes = append(b.g.Nodes, n)
	return y
}

func (b *builder) conv(x *graphir.Value, cout, k, stride int) *graphir.Value {
	a := graphir.Attrs{}
	a.SetInts("strides", []int64{int64(stride), int64(stride)})
	p := int64(k / 2)
	a.SetInts("pads", []int64{p, p, p, p})
	return b.node(graphir.OpConv, a, x, b.constant(graphir.Shape{cout, x.Shape[1], k, k}), b.constant(graphir.Shape{cout}))
}

func (b *builder) pool(x *graphir.Value) *graphir.Value {
	a := graphir.Attrs{}
	a.SetInts("kernel_shape", []int64{2, 2})
	a.SetInts("strides", []int64{2, 2})
	return b.node(graphir.OpMaxPool, a, x)
}

func (b *builder) gemm(x *graphir.Value, out int) *graphir.Value {
	a := graphir.Attrs{}
	a.SetInt("transB", 1)
	return b.node(graphir.OpGemm, a, x, b.constant(graphir.Shape{out, x.Shape[1]}), b.constant(graphir.Shape{out}))
}

func (b *builder) done(outputs ...*graphir.Value) *graphir.Graph {
	b.g.Outputs = outputs
	if err := b.g.Validate(); err != nil {
		b.t.Fatal(err)
	}
	return b.g
}

func (b *builder) input() map[string]*graphir.Tensor {
	x := b.g.Inputs[0]
	return map[string]*graphir.Tensor{x.Name: b.constant(x.Shape).Const}
}

// smallVGG is conv-relu x2, pool, conv-relu, pool, flatten, gemm-relu,
// gemm: a VGG in miniature, 6 segments.
func smallVGG(t testing.TB, hw int) (*graphir.Graph, map[string]*graphir.Tensor) {
	b, x := newBuilder(t, graphir.Shape{1, 3, hw, hw})
	v := b.node(graphir.OpRelu, nil, b.conv(x, 8, 3, 1))
	v = b.node(graphir.OpRelu, nil, b.conv(v, 8, 3, 1))
	v = b.pool(v)
	v = b.node(graphir.OpRelu, nil, b.conv(v, 16, 3, 1))
	v = b.pool(v)
	fa := graphir.Attrs{}
	fa.SetInt("axis", 1)
	v = b.node(graphir.OpFlatten, fa, v)
	v = b.node(graphir.OpRelu, nil, b.gemm(v, 32))
	v = b.gemm(v, 10)
	return b.done(v), b.input()
}

// tinyVGG is conv-relu, pool, conv-relu, flatten, gemm: 5 segments.
func tinyVGG(t testing.TB, hw int) (*graphir.Graph, map[string]*graphir.Tensor) {
	b, x := newBuilder(t, graphir.Shape{1, 3, hw, hw})
	v := b.node(graphir.OpRelu, nil, b.conv(x, 8, 3, 1))
	v = b.pool(v)
	v = b.node(graphir.OpRelu, nil, b.conv(v, 16, 3, 1))
	fa := graphir.Attrs{}
	fa.SetInt("axis", 1)
	v = b.node(graphir.OpFlatten, fa, v)
	v = b.gemm(v, 10)
	return b.done(v), b.input()
}

// smallResNet is a stem conv, two residual blocks and a pool.
func smallResNet(t testing.TB, hw int) (*graphir.Graph, map[string]*graphir.Tensor) {
	b, x := newBuilder(t, graphir.Shape{1, 3, hw, hw})
	v := b.node(graphir.OpRelu, nil, b.conv(x, 8, 3, 1))
	for i := 0; i < 2; i++ {
		r := b.node(graphir.OpRelu, nil, b.conv(v, 8, 3, 1))
		r = b.conv(r, 8, 3, 1)
		v = b.node(graphir.OpRelu, nil, b.node(graphir.OpAdd, nil, r, v))
	}
	v = b.pool(v)
	return b.done(v), b.input()
}

// flopsTimer predicts from FLOPs and bytes: a device of speed GFLOP/s,
// reading and writing at 4 GB/s, with a fixed cost per node.
type flopsTimer struct{ gflops float64 }

func (f flopsTimer) Seconds(n *graphir.Node, w costmodel.Work) float64 {
	if w.FLOPs == 0 && w.InBytes == 0 {
		return 0
	}
	return 20e-6 + w.FLOPs/(f.gflops*1e9) + (w.InBytes+w.OutBytes+w.WeightBytes*0.1)/4e9
}

func (f flopsTimer) SpatialSeconds(n *graphir.Node, out graphir.Rect, ins []graphir.Rect) float64 {
	return f.Seconds(n, costmodel.SpatialWork(n, out, ins))
}

func (f flopsTimer) ChannelSeconds(n *graphir.Node, lo, hi int) float64 {
	return f.Seconds(n, costmodel.ChannelWork(n, lo, hi))
}

// testCluster is n devices of the given speeds (GFLOP/s) on one medium of
// mbit Mbit/s with a per-message cost of perMsg seconds.
func testCluster(speeds []float64, mbit, perMsg float64) *Cluster {
	cl := &Cluster{Net: Network{Shared: true, RTT: perMsg,
		Link: func(from, to int) Link { return Link{PerMessage: perMsg, PerByte: 8 / (mbit * 1e6)} }}}
	for i, s := range speeds {
		cl.Devices = append(cl.Devices, Device{Name: fmt.Sprintf("dev-%d", i), Class: fmt.Sprint(s), Timer: flopsTimer{s}})
	}
	return cl
}
