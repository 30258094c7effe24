package costmodel

import (
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

// in is a computed float32 value of shape.
func in(shape ...int) *graphir.Value {
	return &graphir.Value{Name: "x", DType: graphir.Float32, Shape: graphir.Shape(shape)}
}

// weight is a constant float32 value of zeros.
func weight(shape ...int) *graphir.Value {
	return &graphir.Value{Name: "w", DType: graphir.Float32, Shape: graphir.Shape(shape), Const: graphir.NewTensor(graphir.Float32, graphir.Shape(shape))}
}

func ints(v ...int64) graphir.Attr { return graphir.Attr{Kind: graphir.AttrInts, Ints: v} }

// node infers a node of op (opset 13) with attrs on ins.
func node(t *testing.T, op graphir.Op, attrs graphir.Attrs, ins ...*graphir.Value) *graphir.Node {
	t.Helper()
	if attrs == nil {
		attrs = graphir.Attrs{}
	}
	n := &graphir.Node{Name: op.String(), Op: op, Opset: 13, Inputs: ins, Attrs: attrs, Outputs: []*graphir.Value{{Name: "y"}}}
	if op == graphir.OpSlice || op == graphir.OpPad {
		n.Opset = 9
	}
	if err := graphir.InferNode(n); err != nil {
		t.Fatal(err)
	}
	return n
}

// conv is a k x k convolution of [1, cin, h, w] to cout channels.
func conv(t *testing.T, cin, h, w, cout, k, stride, pad, group int) *graphir.Node {
	t.Helper()
	a := graphir.Attrs{}
	a["kernel_shape"] = ints(int64(k), int64(k))
	a["strides"] = ints(int64(stride), int64(stride))
	a["pads"] = ints(int64(pad), int64(pad), int64(pad), int64(pad))
	a.SetInt("group", int64(group))
	return node(t, graphir.OpConv, a, in(1, cin, h, w), weight(cout, cin/group, k, k), weight(cout))
}

// pool is a MaxPool (or AveragePool) of [1, c, h, w].
func pool(t *testing.T, avg bool, c, h, k, stride, pad int) *graphir.Node {
	t.Helper()
	a := graphir.Attrs{}
	a["kernel_shape"] = ints(int64(k), int64(k))
	a["strides"] = ints(int64(stride), int64(stride))
	a["pads"] = ints(int64(pad), int64(pad), int64(pad), int64(pad))
	op := graphir.OpMaxPool
	if avg {
		op = graphir.OpAveragePool
	}
	return node(t, op, a, in(1, c, h, h))
}

// fullProfile has a fit of every kind: 1 us plus 1 ns per FLOP.
func fullProfile() *Profile {
	p := &Profile{APIVersion: APIVersion, Kind: ProfileKind, Arch: "amd64", Tier: "avx2", Threads: 1, Fits: map[Kind]Fit{}}
	for _, k := range Kinds() {
		p.Fits[k] = Fit{Const: 1e-6, PerFLOP: 1e-9, Samples: 10}
	}
	return p
}
