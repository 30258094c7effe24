package graphir

import (
	"fmt"
	"strings"
	"testing"
)

// regionNode builds and infers a node reading a computed NCHW value x of
// shape in (and constant extra inputs).
func regionNode(t *testing.T, op Op, attrs Attrs, in Shape, extra ...*Value) *Node {
	t.Helper()
	if attrs == nil {
		attrs = Attrs{}
	}
	x := &Value{Name: "x", DType: Float32, Shape: in}
	n := &Node{Name: "n", Op: op, Opset: 13, Attrs: attrs, Inputs: append([]*Value{x}, extra...), Outputs: []*Value{{Name: "y"}}}
	if err := InferNode(n); err != nil {
		t.Fatal(err)
	}
	return n
}

func regionConst(shape ...int) *Value {
	return &Value{Name: "w", DType: Float32, Shape: Shape(shape), Const: NewTensor(Float32, Shape(shape))}
}

func regionInts(v ...int64) *Value {
	return &Value{Name: "i", DType: Int64, Shape: Shape{len(v)}, Const: FromInts(Shape{len(v)}, v)}
}

func regionFloats(v ...float32) *Value {
	return &Value{Name: "f", DType: Float32, Shape: Shape{len(v)}, Const: FromFloats(Shape{len(v)}, v)}
}

func rr(r0, r1, c0, c1 int) Rect { return Rect{Span{r0, r1}, Span{c0, c1}} }

func TestWindowSpan(t *testing.T) {
	cases := []struct {
		name                            string
		out                             Span
		size, kernel, stride, dil, padB int
		in                              Span
		padLo, padHi                    int
	}{
		{"3x3 pad 1, top tile: true border", Span{0, 5}, 10, 3, 1, 1, 1, Span{0, 6}, 1, 0},
		{"3x3 pad 1, bottom tile: true border", Span{5, 10}, 10, 3, 1, 1, 1, Span{4, 10}, 0, 1},
		{"3x3 pad 1, interior tile: halo only", Span{3, 6}, 10, 3, 1, 1, 1, Span{2, 7}, 0, 0},
		{"asymmetric pads 0/2: end pad 2", Span{3, 5}, 5, 3, 1, 1, 0, Span{3, 5}, 0, 2},
		{"stride 2 odd size, first row", Span{0, 1}, 7, 3, 2, 1, 1, Span{0, 2}, 1, 0},
		{"stride 2 odd size, last rows", Span{2, 4}, 7, 3, 2, 1, 1, Span{3, 7}, 0, 1},
		{"dilation 2, first row", Span{0, 1}, 9, 3, 1, 2, 2, Span{0, 3}, 2, 0},
		{"dilation 2, interior", Span{4, 5}, 9, 3, 1, 2, 2, Span{2, 7}, 0, 0},
		{"ceil_mode window past the end", Span{2, 3}, 6, 3, 2, 1, 0, Span{4, 6}, 0, 1},
		{"kernel 2 stride 2 no overlap", Span{1, 3}, 6, 2, 2, 1, 0, Span{2, 6}, 0, 0},
		{"empty", Span{3, 3}, 6, 3, 1, 1, 1, Span{0, 0}, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, lo, hi := WindowSpan(c.out, c.size, c.kernel, c.stride, c.dil, c.padB)
			if in != c.in || lo != c.padLo || hi != c.padHi {
				t.Errorf("got %v pads %d/%d, want %v pads %d/%d", in, lo, hi, c.in, c.padLo, c.padHi)
			}
		})
	}
}

func TestTraceRegion_Ops(t *testing.T) {
	conv := func(pads []int64, strides []int64, dil []int64, in Shape) *Node {
		a := Attrs{}
		a.SetInts("pads", pads)
		a.SetInts("strides", strides)
		a.SetInts("dilations", dil)
		return regionNode(t, OpConv, a, in, regionConst(4, in[1], 3, 3))
	}
	pool := func(op Op, k, s int64, pads []int64, ceil, countPad int64, in Shape) *Node {
		a := Attrs{}
		a.SetInts("kernel_shape", []int64{k, k})
		a.SetInts("strides", []int64{s, s})
		a.SetInts("pads", pads)
		a.SetInt("ceil_mode", ceil)
		if op == OpAveragePool {
			a.SetInt("count_include_pad", countPad)
		}
		return regionNode(t, op, a, in)
	}
	pad := func(mode string, pads []int64) *Node {
		a := Attrs{}
		a.SetString("mode", mode)
		return regionNode(t, OpPad, a, Shape{1, 2, 5, 6}, regionInts(pads...))
	}
	resize := func(mode, coord string, s float32) *Node {
		a := Attrs{}
		a.SetString("mode", mode)
		a.SetString("coordinate_transformation_mode", coord)
		a.SetString("nearest_mode", "floor")
		return regionNode(t, OpResize, a, Shape{1, 2, 5, 5}, nil, regionFloats(1, 1, s, s))
	}
	blocks := func(op Op) *Node {
		a := Attrs{}
		a.SetInt("blocksize", 2)
		return regionNode(t, op, a, Shape{1, 8, 4, 6})
	}
	cases := []struct {
		name   string
		n      *Node
		want   Rect
		in     Rect
		pad    Pads
		out    Rect // computed; zero: want
		whole1 bool // input 1 read whole
	}{
		{"conv asymmetric pads top-left corner", conv([]int64{1, 0, 2, 1}, []int64{1, 1}, []int64{1, 1}, Shape{1, 2, 9, 8}),
			rr(0, 3, 0, 2), rr(0, 4, 0, 4), Pads{Top: 1}, Rect{}, true},
		{"conv asymmetric pads bottom-right corner", conv([]int64{1, 0, 2, 1}, []int64{1, 1}, []int64{1, 1}, Shape{1, 2, 9, 8}),
			rr(8, 10, 5, 7), rr(7, 9, 5, 8), Pads{Bottom: 2, Right: 1}, Rect{}, true},
		{"conv stride 2 odd size interior", conv([]int64{1, 1, 1, 1}, []int64{2, 2}, []int64{1, 1}, Shape{1, 2, 11, 11}),
			rr(2, 4, 1, 3), rr(3, 8, 1, 6), Pads{}, Rect{}, true},
		{"conv dilation 2", conv([]int64{2, 2, 2, 2}, []int64{1, 1}, []int64{2, 2}, Shape{1, 2, 9, 9}),
			rr(0, 1, 4, 5), rr(0, 3, 2, 7), Pads{Top: 2}, Rect{}, true},
		{"maxpool ceil_mode last window past the end", pool(OpMaxPool, 3, 2, []int64{0, 0, 0, 0}, 1, 0, Shape{1, 2, 6, 6}),
			rr(2, 3, 0, 1), rr(4, 6, 0, 3), Pads{Bottom: 1}, Rect{}, false},
		{"avgpool count_include_pad interior", pool(OpAveragePool, 3, 1, []int64{1, 1, 1, 1}, 0, 1, Shape{1, 2, 6, 6}),
			rr(2, 4, 2, 4), rr(1, 5, 1, 5), Pads{}, Rect{}, false},
		{"avgpool count_include_pad border", pool(OpAveragePool, 3, 1, []int64{1, 1, 1, 1}, 0, 1, Shape{1, 2, 6, 6}),
			rr(0, 2, 4, 6), rr(0, 3, 3, 6), Pads{Top: 1, Right: 1}, Rect{}, false},
		{"pad reflect at the top border reads the border row", pad("reflect", []int64{0, 0, 2, 0, 0, 0, 0, 0}),
			rr(0, 1, 0, 6), rr(0, 3, 0, 6), Pads{}, Rect{}, true},
		{"pad edge", pad("edge", []int64{0, 0, 2, 1, 0, 0, 0, 2}),
			rr(0, 2, 6, 9), rr(0, 1, 5, 6), Pads{}, Rect{}, true},
		{"pad constant: all fill reads nothing", pad("constant", []int64{0, 0, 2, 0, 0, 0, 0, 0}),
			rr(0, 2, 0, 6), rr(0, 0, 0, 6), Pads{}, Rect{}, true},
		{"pad constant interior", pad("constant", []int64{0, 0, 2, 0, 0, 0, 0, 0}),
			rr(3, 5, 1, 4), rr(1, 3, 1, 4), Pads{}, Rect{}, true},
		{"pad negative crops", pad("constant", []int64{0, 0, -1, 0, 0, 0, -1, 0}),
			rr(1, 3, 0, 6), rr(2, 4, 0, 6), Pads{}, Rect{}, true},
		{"resize nearest asymmetric x2", resize("nearest", "asymmetric", 2),
			rr(3, 5, 0, 10), rr(1, 3, 0, 5), Pads{}, Rect{}, true},
		{"resize linear half_pixel x2 first row clamps", resize("linear", "half_pixel", 2),
			rr(0, 1, 3, 4), rr(0, 1, 1, 3), Pads{}, Rect{}, true},
		{"space to depth", blocks(OpSpaceToDepth),
			rr(1, 2, 0, 3), rr(2, 4, 0, 6), Pads{}, Rect{}, false},
		{"depth to space computes whole blocks", blocks(OpDepthToSpace),
			rr(3, 6, 1, 2), rr(1, 3, 0, 1), Pads{}, rr(2, 6, 0, 2), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nr, err := TraceRegion(c.n, c.want)
			if err != nil {
				t.Fatal(err)
			}
			out := c.out
			if out == (Rect{}) {
				out = c.want
			}
			if nr.Out != out {
				t.Errorf("computed %v, want %v", nr.Out, out)
			}
			got := nr.Inputs[0]
			if got.Whole || got.Rect != c.in || got.Pad != c.pad {
				t.Errorf("input 0: %+v, want rect %v pads %+v", got, c.in, c.pad)
			}
			if len(nr.Inputs) > 1 && nr.Inputs[1].Whole != c.whole1 {
				t.Errorf("input 1 whole = %v", nr.Inputs[1].Whole)
			}
		})
	}
}

func TestTraceRegion_Broadcast(t *testing.T) {
	x := &Value{Name: "x", DType: Float32, Shape: Shape{1, 3, 8, 6}}
	row := &Value{Name: "row", DType: Float32, Shape: Shape{1, 3, 1, 6}}
	bias := regionConst(1, 3, 1, 1)
	plane := regionConst(1, 1, 8, 6)
	n := &Node{Name: "add", Op: OpSum, Inputs: []*Value{x, row, bias, plane}, Outputs: []*Value{{Name: "y"}}}
	if err := InferNode(n); err != nil {
		t.Fatal(err)
	}
	nr, err := TraceRegion(n, rr(2, 5, 1, 3))
	if err != nil {
		t.Fatal(err)
	}
	want := []InputRegion{{Rect: rr(2, 5, 1, 3)}, {Rect: rr(0, 1, 1, 3)}, {Whole: true}, {Rect: rr(2, 5, 1, 3)}}
	for i := range want {
		if nr.Inputs[i] != want[i] {
			t.Errorf("input %d: %+v, want %+v", i, nr.Inputs[i], want[i])
		}
	}
}

func TestSpatialLocal_EndsBlock(t *testing.T) {
	flat := Attrs{}
	flat.SetInt("axis", 1)
	concatH := Attrs{}
	concatH.SetInt("axis", 2)
	sm := Attrs{}
	sm.SetInt("axis", -1)
	red := Attrs{}
	red.SetInts("axes", []int64{2, 3})
	perm := Attrs{}
	perm.SetInts("perm", []int64{0, 1, 3, 2})
	cases := []struct {
		name, why string
		n         *Node
	}{
		{"flatten", "rank 2", regionNode(t, OpFlatten, flat, Shape{1, 2, 4, 4})},
		{"global pool", "not spatially local", regionNode(t, OpGlobalAveragePool, nil, Shape{1, 2, 4, 4})},
		{"instance norm", "not spatially local", regionNode(t, OpInstanceNormalization, nil, Shape{1, 2, 4, 4}, regionConst(2), regionConst(2))},
		{"concat along H", "spatial axis", regionNode(t, OpConcat, concatH, Shape{1, 2, 4, 4})},
		{"softmax over W", "spatial axes", regionNode(t, OpSoftmax, sm, Shape{1, 2, 4, 4})},
		{"reduce over H, W", "reduces spatial", regionNode(t, OpReduceMean, red, Shape{1, 2, 4, 4})},
		{"transpose H, W", "moves a spatial axis", regionNode(t, OpTranspose, perm, Shape{1, 2, 4, 4})},
		{"reshape", "not spatially local", regionNode(t, OpReshape, nil, Shape{1, 2, 4, 4}, regionInts(1, 2, 16, 1))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := SpatialLocal(c.n)
			if err == nil || !strings.Contains(err.Error(), c.why) {
				t.Errorf("SpatialLocal = %v, want an error containing %q", err, c.why)
			}
		})
	}
}

// regionChain builds x -> conv3x3 (pad 1) -> relu -> add(relu, x) -> maxpool 2x2,
// a residual block.
func regionChain(t *testing.T) *Graph {
	x := &Value{Name: "x", DType: Float32, Shape: Shape{1, 2, 8, 8}}
	g := &Graph{Inputs: []*Value{x}}
	add := func(op Op, attrs Attrs, ins ...*Value) *Value {
		if attrs == nil {
			attrs = Attrs{}
		}
		n := &Node{Name: op.String(), Op: op, Attrs: attrs, Inputs: ins, Outputs: []*Value{{Name: op.String() + "_out"}}}
		if err := InferNode(n); err != nil {
			t.Fatal(err)
		}
		g.Nodes = append(g.Nodes, n)
		return n.Outputs[0]
	}
	ca := Attrs{}
	ca.SetInts("pads", []int64{1, 1, 1, 1})
	c := add(OpConv, ca, x, regionConst(2, 2, 3, 3))
	r := add(OpRelu, nil, c)
	s := add(OpAdd, nil, r, x)
	pa := Attrs{}
	pa.SetInts("kernel_shape", []int64{2, 2})
	pa.SetInts("strides", []int64{2, 2})
	p := add(OpMaxPool, pa, s)
	g.Outputs = []*Value{p}
	return g
}

func TestTraceBlock_Residual(t *testing.T) {
	g := regionChain(t)
	out := g.Outputs[0]
	tr, err := TraceBlock(g.Nodes, map[*Value]Rect{out: rr(1, 2, 0, 4)})
	if err != nil {
		t.Fatal(err)
	}
	x := g.Inputs[0]
	// Pool rows [1,2) read Add rows [2,4); the conv branch needs x rows
	// [1,5) with a halo, the skip branch x rows [2,4): x needs the hull.
	if got := tr.Regions[g.Nodes[2].Outputs[0]]; got != rr(2, 4, 0, 8) {
		t.Errorf("add region %v", got)
	}
	if got := tr.Regions[x]; got != rr(1, 5, 0, 8) {
		t.Errorf("input region %v, want rows [1,5) cols [0,8)", got)
	}
	if p := tr.Nodes[0].Inputs[0].Pad; p != (Pads{Left: 1, Right: 1}) {
		t.Errorf("conv pads %+v: want the true left and right borders only", p)
	}
}

func TestCuts(t *testing.T) {
	g := regionChain(t)
	cuts := Cuts(g)
	if len(cuts) != len(g.Nodes)+1 {
		t.Fatalf("%d cuts", len(cuts))
	}
	sizes := []int{1, 2, 2, 1, 1} // x; conv+x; relu+x; add; pool
	for i, c := range cuts {
		if len(c.Live) != sizes[i] {
			t.Errorf("cut %d: %d live values, want %d", i, len(c.Live), sizes[i])
		}
	}
	points := CutPoints(g)
	if len(points) != 1 || points[0].Pos != 3 || points[0].Live[0].Name != "Add_out" {
		t.Errorf("cut points %+v, want the residual sum only", points)
	}
}

func TestSpanRect(t *testing.T) {
	a, b := Span{2, 5}, Span{4, 9}
	if a.Intersect(b) != (Span{4, 5}) || a.Hull(b) != (Span{2, 9}) || !a.Hull(b).Contains(a) {
		t.Error("span algebra")
	}
	if !(Span{3, 3}).Empty() || (Span{3, 1}).Len() != 0 || a.Intersect(Span{7, 9}).Len() != 0 {
		t.Error("empty spans")
	}
	if (Span{}).Hull(a) != a || a.Hull(Span{6, 6}) != a {
		t.Error("hull with empty")
	}
	r := rr(0, 2, 0, 2).Hull(rr(3, 4, 1, 5))
	if r != rr(0, 4, 0, 5) || r.Area() != 20 || !r.Contains(rr(1, 2, 1, 2)) || r.Contains(rr(1, 5, 0, 1)) {
		t.Errorf("rect algebra %v", r)
	}
	if FullRect(Shape{1, 3, 7, 5}) != rr(0, 7, 0, 5) {
		t.Error("full rect")
	}
}

// regionReorg builds x [1 2 8 6] -> Reshape -> Transpose(perm) -> Reshape
// -> Relu, the YOLOv2 passthrough with block size 2.
func regionReorg(t *testing.T, perm []int64) *Graph {
	x := &Value{Name: "x", DType: Float32, Shape: Shape{1, 2, 8, 6}}
	g := &Graph{Inputs: []*Value{x}}
	add := func(op Op, attrs Attrs, ins ...*Value) *Value {
		if attrs == nil {
			attrs = Attrs{}
		}
		n := &Node{Name: op.String() + string(rune('0'+len(g.Nodes))), Op: op, Attrs: attrs, Inputs: ins, Outputs: []*Value{{Name: "v" + string(rune('0'+len(g.Nodes)))}}}
		if err := InferNode(n); err != nil {
			t.Fatal(err)
		}
		g.Nodes = append(g.Nodes, n)
		return n.Outputs[0]
	}
	r := add(OpReshape, nil, x, regionInts(1, 2, 4, 2, 3, 2))
	pa := Attrs{}
	pa.SetInts("perm", perm)
	r = add(OpTranspose, pa, r)
	r = add(OpReshape, nil, r, regionInts(1, 8, 4, 3))
	g.Outputs = []*Value{add(OpRelu, nil, r)}
	return g
}

func TestReorg_FusesAsSpaceToDepth(t *testing.T) {
	for _, perm := range [][]int64{{0, 1, 3, 5, 2, 4}, {0, 3, 5, 1, 2, 4}} {
		g := regionReorg(t, perm)
		if b, ok := ReorgAt(g.Nodes, 0); !ok || b != 2 {
			t.Fatalf("perm %v: ReorgAt = %d, %v", perm, b, ok)
		}
		if err := CheckFusable(g.Nodes, g.Outputs); err != nil {
			t.Fatalf("perm %v: %v", perm, err)
		}
		tr, err := TraceBlock(g.Nodes, map[*Value]Rect{g.Outputs[0]: rr(1, 3, 2, 3)})
		if err != nil {
			t.Fatal(err)
		}
		if got := tr.Regions[g.Inputs[0]]; got != rr(2, 6, 4, 6) {
			t.Errorf("perm %v: input region %v, want rows [2,6) cols [4,6)", perm, got)
		}
		if tr.Reorgs[2] != 0 || !tr.Nodes[0].Out.Empty() || tr.Nodes[2].Out != rr(1, 3, 2, 3) {
			t.Errorf("perm %v: trace %+v", perm, tr)
		}
	}
	// Not a reorg: H and W swapped; and an intermediate value that escapes
	// the block.
	if _, ok := ReorgAt(regionReorgSwap(t).Nodes, 0); ok {
		t.Error("a transpose that swaps H and W is taken for a reorg")
	}
	g := regionReorg(t, []int64{0, 1, 3, 5, 2, 4})
	if err := CheckFusable(g.Nodes[:2], []*Value{g.Nodes[1].Outputs[0]}); err == nil {
		t.Error("a block ending inside the reorg is fusable")
	}
}

func regionReorgSwap(t *testing.T) *Graph {
	return regionReorg(t, []int64{0, 1, 3, 5, 4, 2})
}

// IOIndex answers as StageIO does, on every range.
func TestIOIndex_StageIO(t *testing.T) {
	g := regionChain(t)
	x := NewIOIndex(g)
	for lo := 0; lo < len(g.Nodes); lo++ {
		for hi := lo + 1; hi <= len(g.Nodes); hi++ {
			i1, o1 := StageIO(g, lo, hi)
			i2, o2 := x.StageIO(lo, hi)
			if fmt.Sprint(i1, o1) != fmt.Sprint(i2, o2) {
				t.Errorf("[%d,%d): StageIO %v %v, index %v %v", lo, hi, i1, o1, i2, o2)
			}
		}
	}
}

// An ungrouped convolution's channel part computes exactly the channels
// wanted (with its weights sliced); a grouped one whole groups.
func TestTraceChannels_ConvComputesOnlyItsChannels(t *testing.T) {
	x := &Value{Name: "x", DType: Float32, Shape: Shape{1, 8, 4, 4}}
	for _, tc := range []struct {
		group   int64
		want    Span
		out, in Span
	}{
		{1, Span{3, 5}, Span{3, 5}, Span{0, 8}},
		{4, Span{3, 5}, Span{2, 6}, Span{2, 6}},
	} {
		a := Attrs{}
		a.SetInt("group", tc.group)
		w := regionConst(8, int(8/tc.group), 1, 1)
		n := &Node{Name: "conv", Op: OpConv, Attrs: a, Inputs: []*Value{x, w}, Outputs: []*Value{{Name: "y"}}}
		if err := InferNode(n); err != nil {
			t.Fatal(err)
		}
		r, err := TraceChannels(n, tc.want)
		if err != nil {
			t.Fatal(err)
		}
		in := Span{0, 8}
		if !r.Inputs[0].Whole {
			in = r.Inputs[0].Span
		}
		if r.Out != tc.out || in != tc.in || r.Inputs[1].Span != tc.out {
			t.Errorf("group %d, want %v: out %v, input %v, weights %v", tc.group, tc.want, r.Out, in, r.Inputs[1].Span)
		}
	}
}
