package plugins

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/ref"
)

// Tolerance is the conformance bound, the one verify uses:
// max|plugin - reference| <= Tolerance * max(1, max|reference|).
const Tolerance = 1e-4

// Case is one conformance case: one node on random data, computed by the
// plugin (in several tiles) and by the reference kernel.
type Case struct {
	Name   string
	Tiles  int
	MaxAbs float64
	MaxRel float64
	OK     bool
	Err    string // the plugin failed (trap, deadline, status, shape)
}

func (c Case) problem() string {
	if c.Err != "" {
		return c.Err
	}
	return fmt.Sprintf("max abs error %.3g, relative %.3g > %.0e", c.MaxAbs, c.MaxRel, Tolerance)
}

// Report is the result of the conformance check.
type Report struct {
	Plugin, Version, SHA256 string
	Seed                    uint64
	Cases                   []Case
	Elapsed                 time.Duration
}

// OK reports whether every case passed.
func (r *Report) OK() bool {
	for _, c := range r.Cases {
		if !c.OK {
			return false
		}
	}
	return len(r.Cases) > 0
}

// Format renders the report, one line per case.
func (r *Report) Format() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plugin %s %s sha256 %s\n", r.Plugin, r.Version, r.SHA256)
	fmt.Fprintf(&b, "conformance against the reference kernels (seed %d, tolerance %.0e):\n", r.Seed, Tolerance)
	passed := 0
	for _, c := range r.Cases {
		if c.OK {
			passed++
			fmt.Fprintf(&b, "  ok    %-72s max abs %.2g, rel %.2g, %d tiles\n", c.Name, c.MaxAbs, c.MaxRel, c.Tiles)
		} else {
			fmt.Fprintf(&b, "  FAIL  %-72s %s\n", c.Name, c.problem())
		}
	}
	verdict := "ACCEPTED"
	if !r.OK() {
		verdict = "REFUSED"
	}
	fmt.Fprintf(&b, "%d of %d cases passed in %v: %s\n", passed, len(r.Cases), r.Elapsed.Round(time.Millisecond), verdict)
	return b.String()
}

// conformCase is one generated case before it runs.
type conformCase struct {
	name     string
	node     *graphir.Node
	inputs   []*graphir.Tensor
	epilogue int32
}

// conform runs the conformance check: for every op kind in the manifest,
// every listed kernel size, stride and dilation, with and without the relu
// epilogue, on two random shapes each, small (below 32 columns) so the
// check takes well under a second for a SIMD plugin. The check stops at the first failing call
// (the instance is gone); wrong results are all reported.
func (p *Plugin) conform() *Report {
	start := time.Now()
	seed := p.opts.Seed
	if seed == 0 {
		d, _ := hex.DecodeString(p.digest)
		seed = binary.LittleEndian.Uint64(d[:8])
	}
	r := &Report{Plugin: p.manifest.Name, Version: p.manifest.Version, SHA256: p.digest, Seed: seed}
	rng := rand.New(rand.NewPCG(seed, 0x6564676b))
	var cases []conformCase
	for _, k := range p.manifest.kinds() {
		cases = append(cases, genCases(rng, k, p.manifest.kernels(k))...)
	}
	stopped := ""
	for _, cc := range cases {
		c := Case{Name: cc.name}
		if stopped != "" {
			c.Err = "not run: " + stopped
			r.Cases = append(r.Cases, c)
			continue
		}
		want, err := ref.Run(cc.node, cc.inputs)
		if err != nil {
			c.Err = "reference kernel: " + err.Error() // a host bug, not the plugin's
			r.Cases = append(r.Cases, c)
			continue
		}
		if cc.epilogue == epilogueReLU {
			for i, v := range want[0].F {
				want[0].F[i] = max(v, 0)
			}
		}
		s, why := newSpec(cc.node, p.manifest, cc.epilogue)
		if s == nil {
			c.Err = "host cannot map the case: " + why
			r.Cases = append(r.Cases, c)
			continue
		}
		s.id = p.nextID.Add(1)
		// Small tiles, so row and channel tiling are exercised.
		flops := int64(len(want[0].F)) * s.perOut
		s.plan(2, max(1, flops/5))
		c.Tiles = len(s.tiles)
		got := graphir.NewTensor(graphir.Float32, want[0].Shape)
		for i := range got.F {
			got.F[i] = float32(math.NaN())
		}
		if err := p.run(s, cc.inputs[0], got, 2); err != nil {
			c.Err = err.Error()
			stopped = fmt.Sprintf("the plugin failed in %q", cc.name)
			r.Cases = append(r.Cases, c)
			continue
		}
		c.MaxAbs, c.MaxRel = compare(got.F, want[0].F)
		c.OK = c.MaxRel <= Tolerance
		r.Cases = append(r.Cases, c)
	}
	r.Elapsed = time.Since(start)
	return r
}

// compare returns max|got-want| and that over max(1, max|want|); NaN in
// got counts as infinitely wrong.
func compare(got, want []float32) (float64, float64) {
	maxAbs, maxRef := 0.0, 1.0
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		maxAbs = max(maxAbs, d)
		maxRef = max(maxRef, math.Abs(float64(want[i])))
	}
	return maxAbs, maxAbs / maxRef
}

func randTensor(rng *rand.Rand, shape graphir.Shape) *graphir.Tensor {
	t := graphir.NewTensor(graphir.Float32, shape)
	for i := range t.F {
		t.F[i] = rng.Float32()*2 - 1
	}
	return t
}

func pairsOrOne(list [][]int) [][]int {
	if len(list) == 0 {
		return [][]int{{1, 1}}
	}
	return list
}

// genCases makes the cases of one op kind.
func genCases(rng *rand.Rand, kind opKind, caps *Kernels) []conformCase {
	var out []conformCase
	relu := caps.epilogue(epilogueReLU)
	if kind == opGemm {
		for i := 0; i < 6; i++ {
			m, k, n := 1+rng.IntN(9), 1+rng.IntN(70), 1+rng.IntN(90)
			if i == 0 {
				m = 1 // a fully connected layer on one image
			}
			if caps.MaxK > 0 {
				k = min(k, caps.MaxK)
			}
			if caps.MaxN > 0 {
				n = min(n, caps.MaxN)
			}
			epi := int32(epilogueNone)
			if relu && i%2 == 1 {
				epi = epilogueReLU
			}
			out = append(out, gemmCase(rng, m, k, n, i%3 != 2, epi))
		}
		return out
	}
	// Two shapes per kernel size, stride and dilation; relu on every other.
	n := 0
	for _, ks := range caps.KernelSizes {
		for _, st := range pairsOrOne(caps.Strides) {
			for _, dl := range pairsOrOne(caps.Dilations) {
				for rep := 0; rep < 2; rep++ {
					epi := int32(epilogueNone)
					if relu && n%2 == 1 {
						epi = epilogueReLU
					}
					if c, ok := windowCase(rng, kind, caps, ks, st, dl, epi); ok {
						out = append(out, c)
					}
					n++
				}
			}
		}
	}
	return out
}

func gemmCase(rng *rand.Rand, m, k, n int, bias bool, epi int32) conformCase {
	a := &graphir.Value{Name: "a", DType: graphir.Float32, Shape: graphir.Shape{m, k}}
	b := &graphir.Value{Name: "b", DType: graphir.Float32, Shape: graphir.Shape{k, n}, Const: randTensor(rng, graphir.Shape{k, n})}
	node := &graphir.Node{Name: "conformance", Op: graphir.OpGemm, Opset: 13, Inputs: []*graphir.Value{a, b},
		Outputs: []*graphir.Value{{Name: "y"}}, Attrs: graphir.Attrs{}}
	name := fmt.Sprintf("gemm M=%d K=%d N=%d", m, k, n)
	if bias {
		node.Inputs = append(node.Inputs, &graphir.Value{Name: "c", DType: graphir.Float32, Shape: graphir.Shape{n}, Const: randTensor(rng, graphir.Shape{n})})
		name += " bias"
	}
	if epi == epilogueReLU {
		name += " relu"
	}
	if err := graphir.InferNode(node); err != nil {
		panic(fmt.Sprintf("plugins: conformance case %s: %v", name, err)) // generated cases are valid
	}
	inputs := []*graphir.Tensor{randTensor(rng, a.Shape), b.Const}
	if bias {
		inputs = append(inputs, node.Inputs[2].Const)
	}
	return conformCase{name: name, node: node, inputs: inputs, epilogue: epi}
}

// windowCase makes one convolution or pooling case with the given kernel
// size, strides and dilations; ok is false when the manifest's channel
// limit leaves no room.
func windowCase(rng *rand.Rand, kind opKind, caps *Kernels, ks, st, dl []int, epi int32) (conformCase, bool) {
	maxC := 24
	if caps.MaxChannels > 0 {
		maxC = min(maxC, caps.MaxChannels)
	}
	batch := 1 + rng.IntN(2)
	cin := 1 + rng.IntN(min(maxC, 12))
	cout := 1 + rng.IntN(maxC)
	if kind != opConv2D {
		cin = 1 + rng.IntN(maxC)
		cout = cin
	}
	ext := [2]int{(ks[0]-1)*dl[0] + 1, (ks[1]-1)*dl[1] + 1}
	var pads [4]int
	if kind != opAvgPool2D {
		for i := range pads {
			pads[i] = rng.IntN(min(ext[i%2], 3)) // pools need pads below the extent
		}
	}
	h := ext[0] + rng.IntN(14)
	w := ext[1] + rng.IntN(min(14, 28-ext[1]))
	x := &graphir.Value{Name: "x", DType: graphir.Float32, Shape: graphir.Shape{batch, cin, h, w}}
	attrs := graphir.Attrs{}
	attrs.SetInts("kernel_shape", []int64{int64(ks[0]), int64(ks[1])})
	attrs.SetInts("strides", []int64{int64(st[0]), int64(st[1])})
	attrs.SetInts("pads", []int64{int64(pads[0]), int64(pads[1]), int64(pads[2]), int64(pads[3])})
	node := &graphir.Node{Name: "conformance", Opset: 13, Inputs: []*graphir.Value{x}, Outputs: []*graphir.Value{{Name: "y"}}, Attrs: attrs}
	inputs := []*graphir.Tensor{randTensor(rng, x.Shape)}
	bias := false
	switch kind {
	case opConv2D, opDWConv2D:
		node.Op = graphir.OpConv
		attrs.SetInts("dilations", []int64{int64(dl[0]), int64(dl[1])})
		wShape := graphir.Shape{cout, cin, ks[0], ks[1]}
		if kind == opDWConv2D {
			wShape[1] = 1
			attrs.SetInt("group", int64(cin))
		}
		wt := randTensor(rng, wShape)
		node.Inputs = append(node.Inputs, &graphir.Value{Name: "w", DType: graphir.Float32, Shape: wShape, Const: wt})
		inputs = append(inputs, wt)
		if bias = rng.IntN(3) != 0; bias {
			bt := randTensor(rng, graphir.Shape{cout})
			node.Inputs = append(node.Inputs, &graphir.Value{Name: "b", DType: graphir.Float32, Shape: graphir.Shape{cout}, Const: bt})
			inputs = append(inputs, bt)
		}
	case opMaxPool2D:
		node.Op = graphir.OpMaxPool
	case opAvgPool2D:
		node.Op = graphir.OpAveragePool
	}
	if err := graphir.InferNode(node); err != nil {
		return conformCase{}, false // e.g. a dilated kernel larger than the padded input
	}
	y := node.Outputs[0].Shape
	name := fmt.Sprintf("%s %dx%d s%dx%d d%dx%d pads%v x%v->y%v", kind, ks[0], ks[1], st[0], st[1], dl[0], dl[1], pads, x.Shape, y)
	if bias {
		name += " bias"
	}
	if epi == epilogueReLU {
		name += " relu"
	}
	return conformCase{name: name, node: node, inputs: inputs, epilogue: epi}, true
}
