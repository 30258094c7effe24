package profile

import (
	"fmt"
	"sort"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner/costmodel"
)

// spec is one micro-benchmark's graph.
type spec interface {
	String() string
	build(b *builder) (*graphir.Value, error)
}

// bench is a spec with what the cost model makes of its first node.
type bench struct {
	spec
	kind  costmodel.Kind
	work  costmodel.Work
	probe bool // measured first: a few sizes of every kind, spread out
	ref   spec // the kind's reference, timed in turns with it
}

// probesPerKind sizes of every kind are measured first; a budget then
// chooses among the others with their times predicted by a fit of these.
const probesPerKind = 8

// specs lists every micro-benchmark: the layers of convLayers and their
// tiles, pools, fully-connected layers, and the element-wise, reference,
// concatenation, movement and resize ops on the planes the networks have.
func specs() []spec {
	var out []spec
	for _, l := range convLayers() {
		for _, v := range l.variants() {
			out = append(out, v)
		}
	}
	for _, p := range []poolSpec{
		{c: 64, h: 224, w: 224, k: 2, stride: 2}, {c: 128, h: 112, w: 112, k: 2, stride: 2},
		{c: 256, h: 56, w: 56, k: 2, stride: 2}, {c: 512, h: 28, w: 28, k: 2, stride: 2},
		{c: 512, h: 14, w: 14, k: 2, stride: 2}, {c: 32, h: 416, w: 416, k: 2, stride: 2},
		{c: 64, h: 208, w: 208, k: 2, stride: 2}, {c: 512, h: 26, w: 26, k: 2, stride: 2},
		{c: 16, h: 224, w: 224, k: 2, stride: 2}, {c: 64, h: 112, w: 112, k: 3, stride: 2, pads: [4]int{1, 1, 1, 1}},
		{c: 16, h: 112, w: 112, k: 3, stride: 2, pads: [4]int{1, 1, 1, 1}},
		{avg: true, c: 128, h: 56, w: 56, k: 2, stride: 2}, {avg: true, c: 256, h: 28, w: 28, k: 2, stride: 2},
		{avg: true, c: 512, h: 14, w: 14, k: 2, stride: 2}, {c: 512, h: 13, w: 13, k: 2, stride: 1, pads: [4]int{0, 0, 1, 1}},
		{c: 256, h: 26, w: 26, k: 2, stride: 2}, {c: 16, h: 416, w: 416, k: 2, stride: 2},
		{avg: true, c: 64, h: 112, w: 112, k: 2, stride: 2}, {avg: true, c: 1024, h: 14, w: 14, k: 2, stride: 2},
		{avg: true, c: 256, h: 28, w: 28, k: 3, stride: 1, pads: [4]int{1, 1, 1, 1}},
		{c: 32, h: 56, w: 56, k: 3, stride: 2, pads: [4]int{1, 1, 1, 1}}, {c: 128, h: 28, w: 28, k: 3, stride: 2, pads: [4]int{1, 1, 1, 1}},
		{c: 128, h: 20, w: 20, k: 5, stride: 1, pads: [4]int{2, 2, 2, 2}}, {c: 64, h: 40, w: 40, k: 5, stride: 1, pads: [4]int{2, 2, 2, 2}},
		{c: 1024, h: 13, w: 13, k: 2, stride: 1, pads: [4]int{0, 0, 1, 1}}, {c: 96, h: 55, w: 55, k: 3, stride: 2},
	} {
		for _, v := range p.variants() {
			out = append(out, v)
		}
	}
	for _, g := range []gemmSpec{
		{25088, 4096}, {4096, 4096}, {4096, 1000}, {2048, 1000}, {1280, 1000}, {1024, 1000},
		{25088, 1024}, {25088, 512}, {4096, 2048}, {4096, 512}, {2048, 500}, {1280, 250},
		{6272, 256}, {1024, 256}, {640, 1000}, {512, 100}, {1024, 4096}, {8192, 1000},
	} {
		out = append(out, g)
	}
	planes := []struct{ c, h, w int }{
		{64, 112, 112}, {256, 56, 56}, {128, 56, 56}, {512, 28, 28}, {256, 28, 28}, {1024, 14, 14},
		{2048, 7, 7}, {32, 104, 104}, {96, 56, 56}, {24, 56, 56}, {64, 30, 58}, {512, 8, 15}, {16, 208, 208},
		{1280, 7, 7}, {128, 15, 29}, {32, 28, 28},
	}
	for i, p := range planes {
		s := shapeSpec{c: p.c, h: p.h, w: p.w}
		add := func(op graphir.Op, extra int, bcast bool) {
			t := s
			t.op, t.extra, t.bcast = op, extra, bcast
			out = append(out, t)
		}
		add(graphir.OpRelu, 0, false)
		add(graphir.OpAdd, 0, false)
		add([]graphir.Op{graphir.OpMul, graphir.OpAdd}[i%2], 0, true)
		add([]graphir.Op{graphir.OpLeakyRelu, graphir.OpClip}[i%2], 0, false)
		add(graphir.OpBatchNormalization, 0, false)
		if i%4 == 0 {
			add(graphir.OpMul, 1, true) // [1, 1, h, w]: the reference's broadcast
		}
		add(graphir.OpGlobalAveragePool, 0, false)
		add(graphir.OpGlobalMaxPool, 0, false)
		add(graphir.OpSigmoid, 0, false)
		add([]graphir.Op{graphir.OpSoftmax, graphir.OpTanh}[i%2], 0, false)
		add(graphir.OpConcat, 2+i%3, false)
		if p.h%2 == 0 && p.w%2 == 0 {
			add(graphir.OpTranspose, 0, false)
		}
		add(graphir.OpPad, 1, false)
		add(graphir.OpSlice, 1, false)
		add([]graphir.Op{graphir.OpSplit, graphir.OpReshape}[i%2], 1, false)
		if p.h <= 60 {
			add(graphir.OpUpsample, 2, false)
		}
	}
	return out
}

// grid builds every spec dry and classifies its measured node on arch and
// tier; per kind, it marks probesPerKind probes spread over the sizes, and
// orders the rest so that a budget cut keeps a spread too. Equal specs are
// kept once.
func grid(arch, tier string) ([]bench, error) {
	seen := map[string]bool{}
	byKind := map[costmodel.Kind][]bench{}
	for _, s := range specs() {
		if seen[s.String()] {
			continue
		}
		seen[s.String()] = true
		b := newBuilder(1)
		b.dry = true
		y, err := s.build(b)
		if err != nil {
			return nil, fmt.Errorf("profile grid %s: %w", s, err)
		}
		g, _, err := b.finish(y)
		if err != nil {
			return nil, fmt.Errorf("profile grid %s: %w", s, err)
		}
		n := measured(g)
		k := costmodel.Classify(n, arch, tier)
		byKind[k] = append(byKind[k], bench{spec: s, kind: k, work: costmodel.NodeWork(n)})
	}
	var out []bench
	for _, k := range costmodel.Kinds() {
		bs := byKind[k]
		if len(bs) == 0 {
			continue
		}
		sort.SliceStable(bs, func(i, j int) bool {
			return bs[i].work.FLOPs+bs[i].work.OutBytes < bs[j].work.FLOPs+bs[j].work.OutBytes
		})
		// The reference: at a third of the sizes, long enough to be timed
		// well, short enough to add little. Sizes whose data does not fit
		// in a core's cache have one of their own among them (the middle
		// one): their time follows how much of the shared cache and of the
		// memory bus other processes leave, which a cache-resident
		// reference does not feel.
		ref := bs[len(bs)/3].spec
		var big []int
		for i := range bs {
			bs[i].ref = ref
			if footprint(bs[i].work) >= bigFootprint {
				big = append(big, i)
			}
		}
		if len(big) >= minBig {
			bigRef := bs[big[len(big)/2]].spec
			for _, i := range big {
				bs[i].ref = bigRef
			}
		}
		out = append(out, spread(bs)...)
	}
	return out, nil
}

// bigFootprint is the footprint (inputs, outputs and weights) from which
// a bench is paired with a reference as large (grid): past a core's L2
// (1-2 MiB on the CPUs measured), so the shared L3 or memory serves it.
// On the 2-vCPU VM such sizes moved 0.85-2x between measurements a few
// seconds apart against the small reference.
const bigFootprint = 2 << 20

// minBig is the fewest sizes past bigFootprint that get a reference of
// their own; fewer keep the kind's.
const minBig = 3

func footprint(w costmodel.Work) float64 { return w.InBytes + w.OutBytes + w.WeightBytes }

// spread orders sorted benches: the probes first, spread by bisection
// over the cheaper three quarters (the budget is estimated from them),
// then the rest spread by bisection over all.
func spread(bs []bench) []bench {
	cheap := bisect(len(bs) * 3 / 4)
	if len(cheap) < probesPerKind {
		cheap = bisect(len(bs))
	}
	taken := make([]bool, len(bs))
	var out []bench
	for _, i := range append(cheap[:min(probesPerKind, len(cheap))], bisect(len(bs))...) {
		if !taken[i] {
			taken[i] = true
			b := bs[i]
			b.probe = len(out) < probesPerKind
			out = append(out, b)
		}
	}
	return out
}

// bisect orders 0..n-1 as first, last, middle, quarters, eighths, ...
func bisect(n int) []int {
	if n <= 0 {
		return nil
	}
	seen := make([]bool, n)
	var out []int
	take := func(i int) {
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	take(0)
	take(n - 1)
	for parts := 2; len(out) < n; parts *= 2 {
		for k := 1; k < parts; k += 2 {
			take(k * (n - 1) / parts)
		}
		if parts > n {
			for i := range n {
				take(i)
			}
		}
	}
	return out
}

// measured is the node a micro-benchmark times: the first of the graph the
// executor runs (after its fusions).
func measured(g *graphir.Graph) *graphir.Node {
	f, _ := graphir.FuseConvEpilogues(g, nil)
	return f.Nodes[0]
}
