package planner

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/tilerun"
	"github.com/edgectl/edgectl/runtime/verify"
)

// exhaustive is the least predicted latency over every way to cut the
// bounds into ranges and every option of each range.
func exhaustive(t *testing.T, p *search) float64 {
	m := len(p.bounds) - 1
	var rec func(a int, s *state) float64
	rec = func(a int, s *state) float64 {
		if a == m {
			return p.finish(s)
		}
		best := math.Inf(1)
		for b := a + 1; b <= m; b++ {
			opts, err := p.rangeOptions(a, b)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range opts {
				best = min(best, rec(b, p.apply(s, o, b)))
			}
		}
		return best
	}
	return rec(0, p.start())
}

func TestSearch_Exhaustive(t *testing.T) {
	vgg, _ := tinyVGG(t, 16)
	res, _ := smallResNet(t, 12)
	for _, tc := range []struct {
		name   string
		g      *graphir.Graph
		speeds []float64
		mbit   float64
		// penalty, when positive, prices the weights put on devices of
		// 1 MB (as fitting does when a plan does not fit).
		penalty float64
	}{
		{"vgg 2 devices slow net", vgg, []float64{1, 1}, 10, 0},
		{"vgg 3 mixed fast net", vgg, []float64{2, 1, 0.5}, 1000, 0},
		{"vgg 4 devices", vgg, []float64{1, 1, 1, 1}, 100, 0},
		{"resnet 3 devices", res, []float64{1, 1, 1}, 100, 0},
		{"resnet 2 mixed", res, []float64{1, 0.3}, 1000, 0},
		{"vgg 3 classes", vgg, []float64{1, 0.5, 0.5, 0.25}, 30, 0},
		{"vgg 3 devices memory priced", vgg, []float64{1, 1, 0.5}, 1000, 1e-3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := testCluster(tc.speeds, tc.mbit, 1e-4)
			if tc.penalty > 0 {
				for i := range cl.Devices {
					cl.Devices[i].Memory = 1 << 20
				}
			}
			p, err := newSearch(tc.g, cl, Options{})
			if err != nil {
				t.Fatal(err)
			}
			p.penalty = tc.penalty
			if len(p.bounds) > 9 {
				t.Fatalf("%d bounds: too many for an exhaustive search", len(p.bounds))
			}
			_, dp, err := p.latency()
			if err != nil {
				t.Fatal(err)
			}
			ex := exhaustive(t, p)
			if math.Abs(dp-ex) > 1e-12*max(1, ex) {
				t.Errorf("search %.9f s, exhaustive %.9f s", dp, ex)
			}
		})
	}
}

// The plans made run, and give the single-device output.
func TestPlan_RunsExactly(t *testing.T) {
	vgg, vin := smallVGG(t, 16)
	res, rin := smallResNet(t, 12)
	for _, g := range []struct {
		g  *graphir.Graph
		in map[string]*graphir.Tensor
	}{{vgg, vin}, {res, rin}} {
		want, err := verify.Local(context.Background(), g.g, g.in)
		if err != nil {
			t.Fatal(err)
		}
		for _, mbit := range []float64{1, 100, 10000} {
			for _, speeds := range [][]float64{{1, 1}, {1, 1, 1, 1}, {2, 1, 0.5}} {
				r, err := Plan(g.g, testCluster(speeds, mbit, 1e-5), Options{})
				if err != nil {
					t.Fatal(err)
				}
				got, err := tilerun.RunLocal(context.Background(), g.g, r.Plan, g.in)
				if err != nil {
					b, _ := r.Plan.EncodeYAML()
					t.Fatalf("%v mbit %v: %v\n%s", speeds, mbit, err, b)
				}
				for _, v := range g.g.Outputs {
					if o := verify.Compare(v.Name, got[v.Name], want[v.Name]); !o.OK {
						t.Errorf("%v mbit %v: output %s differs by %g", speeds, mbit, v.Name, o.MaxRel)
					}
				}
			}
		}
	}
}

// A faster network never gives a slower predicted plan.
func TestPlan_FasterNetworkNeverSlower(t *testing.T) {
	g, _ := smallVGG(t, 32)
	prev := math.Inf(1)
	for _, mbit := range []float64{1, 3, 10, 30, 100, 300, 1000, 10000} {
		r, err := Plan(g, testCluster([]float64{1, 1, 1, 1}, mbit, 1e-4), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Predicted > prev*(1+1e-12) {
			t.Errorf("%v mbit: predicted %.6f s, slower than %.6f s on the slower network", mbit, r.Predicted, prev)
		}
		prev = r.Predicted
	}
}

// Fast devices on a slow network: one device does it all.
func TestPlan_SlowNetworkOneDevice(t *testing.T) {
	g, _ := smallVGG(t, 32)
	// MinGain -1: the search itself, not the margin, must find one device.
	r, err := Plan(g, testCluster([]float64{100, 100, 100, 100}, 1, 5e-3), Options{MinGain: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range r.Plan.Stages {
		if st.Kind != graphir.StageSingle || st.Split.Devices[0] != r.Plan.Stages[0].Split.Devices[0] {
			b, _ := r.Plan.EncodeYAML()
			t.Fatalf("want every stage on one device:\n%s", b)
		}
	}
	if math.Abs(r.Predicted-r.Single) > 1e-9 {
		t.Errorf("predicted %v, one device %v", r.Predicted, r.Single)
	}
}

// A plan that saves less than MinGain of one device's latency gives way to
// one device; one that saves more stays.
func TestPlan_MinGain(t *testing.T) {
	g, _ := smallVGG(t, 32)
	cl := testCluster([]float64{1, 1, 1, 1}, 1000, 1e-4)
	r, err := Plan(g, cl, Options{MinGain: -1})
	if err != nil {
		t.Fatal(err)
	}
	gain := 1 - r.Latency/r.Single
	if gain < 0.2 {
		t.Fatalf("the test wants a plan that pays: saves %.1f%%", 100*gain)
	}
	if r, err = Plan(g, cl, Options{MinGain: gain - 0.02}); err != nil {
		t.Fatal(err)
	}
	if 1-r.Latency/r.Single < gain-0.02 {
		t.Errorf("MinGain %.3f: the plan saves %.3f, want the search's %.3f", gain-0.02, 1-r.Latency/r.Single, gain)
	}
	if r, err = Plan(g, cl, Options{MinGain: gain + 0.02}); err != nil {
		t.Fatal(err)
	}
	if len(r.Plan.Stages) != 1 || r.Plan.Stages[0].Kind != graphir.StageSingle || math.Abs(r.Latency-r.Single) > 1e-12 {
		b, _ := r.Plan.EncodeYAML()
		t.Errorf("MinGain %.3f above the plan's saving %.3f: want one device, have latency %v (one device %v):\n%s", gain+0.02, gain, r.Latency, r.Single, b)
	}
}

// A device half as fast gets about half the rows of a fused block, or none.
func TestPlan_HalfSpeedDevice(t *testing.T) {
	b, x := newBuilder(t, graphir.Shape{1, 16, 64, 64})
	v := b.node(graphir.OpRelu, nil, b.conv(x, 32, 3, 1))
	v = b.node(graphir.OpRelu, nil, b.conv(v, 32, 3, 1))
	g := b.done(v)
	r, err := Plan(g, testCluster([]float64{2, 1}, 10000, 1e-6), Options{Modes: []Mode{ModeFused, ModeSingle}})
	if err != nil {
		t.Fatal(err)
	}
	st := r.Plan.Stages[0]
	if st.Kind != graphir.StageFused || len(st.Split.Rows) != 3 {
		y, _ := r.Plan.EncodeYAML()
		t.Fatalf("want one fused block in two strips:\n%s", y)
	}
	fast, slow := st.Split.Rows[1]-st.Split.Rows[0], st.Split.Rows[2]-st.Split.Rows[1]
	if st.Split.Devices[0] != "dev-0" || math.Abs(float64(slow)/float64(fast)-0.5) > 0.1 {
		t.Errorf("rows %v on %v: want the half-speed device to get about half the fast one's rows", st.Split.Rows, st.Split.Devices)
	}
}

// Streaming frames: the pipeline's period is never above the latency
// plan's, and the plan runs exactly.
func TestPlan_Throughput(t *testing.T) {
	g, in := smallVGG(t, 32)
	want, err := verify.Local(context.Background(), g, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, mbit := range []float64{10, 1000} {
		cl := testCluster([]float64{1, 1, 1, 1}, mbit, 1e-4)
		lat, err := Plan(g, cl, Options{})
		if err != nil {
			t.Fatal(err)
		}
		thr, err := Plan(g, cl, Options{Objective: Throughput})
		if err != nil {
			t.Fatal(err)
		}
		if thr.Period > lat.Period*(1+1e-12) {
			t.Errorf("%v mbit: throughput plan's period %.6f s above the latency plan's %.6f s", mbit, thr.Period, lat.Period)
		}
		got, err := tilerun.RunLocal(context.Background(), g, thr.Plan, in)
		if err != nil {
			t.Fatal(err)
		}
		if o := verify.Compare("y", got[g.Outputs[0].Name], want[g.Outputs[0].Name]); !o.OK {
			t.Errorf("output differs by %g", o.MaxRel)
		}
	}
}

// Predicting the plan the search made gives the search's own figures.
func TestPredict_AgreesWithSearch(t *testing.T) {
	for _, mk := range []func(testing.TB, int) (*graphir.Graph, map[string]*graphir.Tensor){smallVGG, smallResNet} {
		g, _ := mk(t, 24)
		for _, speeds := range [][]float64{{1, 1, 1}, {3, 1, 0.5, 0.5}} {
			cl := testCluster(speeds, 50, 2e-4)
			r, err := Plan(g, cl, Options{})
			if err != nil {
				t.Fatal(err)
			}
			q, err := Predict(g, r.Plan, cl)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(q.Latency-r.Latency) > 1e-9 || math.Abs(q.Period-r.Period) > 1e-9 || len(q.Stages) != len(r.Stages) {
				t.Errorf("predict: latency %v period %v (%d stages); search: %v %v (%d)", q.Latency, q.Period, len(q.Stages), r.Latency, r.Period, len(r.Stages))
			}
		}
	}
}

// Devices too small for the weights: the fully-connected layer is split
// by channels so that each device holds a slice; an impossible fit is an
// error naming the devices.
func TestPlan_Memory(t *testing.T) {
	g, in := smallVGG(t, 32)
	need := 0.0
	for _, n := range g.Nodes {
		need += costmodel.NodeWork(n).WeightBytes
	}
	tight := testCluster([]float64{1, 1, 1, 1}, 10000, 1e-6)
	for i := range tight.Devices {
		tight.Devices[i].Memory = int64(need * 0.6)
	}
	r, err := Plan(g, tight, Options{})
	if err != nil {
		t.Fatal(err)
	}
	split := false
	for _, st := range r.Plan.Stages {
		split = split || len(st.Split.Channels) > 0
	}
	if !split {
		y, _ := r.Plan.EncodeYAML()
		t.Errorf("want the big layer split by channels:\n%s", y)
	}
	got, err := tilerun.RunLocal(context.Background(), g, r.Plan, in)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := verify.Local(context.Background(), g, in)
	if o := verify.Compare("y", got[g.Outputs[0].Name], want[g.Outputs[0].Name]); !o.OK {
		t.Errorf("output differs by %g", o.MaxRel)
	}
	pr, err := Predict(g, r.Plan, tight)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range pr.Memory {
		if u.Bytes > float64(u.Limit) {
			t.Errorf("device %s uses %.0f of %d bytes", u.Device, u.Bytes, u.Limit)
		}
	}
	for i := range tight.Devices {
		tight.Devices[i].Memory = int64(need * 0.05)
	}
	if _, err := Plan(g, tight, Options{}); err == nil || !strings.Contains(err.Error(), "fits the devices' memory") || !strings.Contains(err.Error(), "dev-0") {
		t.Errorf("err = %v", err)
	}
}

func TestResult_WriteTrace(t *testing.T) {
	g, _ := smallVGG(t, 16)
	r, err := Plan(g, testCluster([]float64{1, 1}, 100, 1e-4), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.WriteTrace(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		TraceEvents []struct {
			Name string  `json:"name"`
			Ph   string  `json:"ph"`
			Dur  float64 `json:"dur"`
		} `json:"traceEvents"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	compute := 0
	for _, e := range doc.TraceEvents {
		if e.Ph == "X" && e.Name == "compute" {
			compute++
		}
	}
	tiles := 0
	for _, st := range r.Stages {
		tiles += len(st.Tiles)
	}
	if compute != tiles {
		t.Errorf("%d compute spans for %d tiles", compute, tiles)
	}
}

// Every strategy's plan runs exactly; ours is never slower than one device.
func TestPlanWith_Strategies(t *testing.T) {
	g, in := smallVGG(t, 32)
	want, err := verify.Local(context.Background(), g, in)
	if err != nil {
		t.Fatal(err)
	}
	cl := testCluster([]float64{1, 1, 1, 1}, 100, 1e-4)
	got := map[Strategy]*Result{}
	for _, s := range Strategies {
		r, err := PlanWith(g, cl, s, Options{})
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		got[s] = r
		out, err := tilerun.RunLocal(context.Background(), g, r.Plan, in)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if o := verify.Compare("y", out[g.Outputs[0].Name], want[g.Outputs[0].Name]); !o.OK {
			t.Errorf("%s: output differs by %g", s, o.MaxRel)
		}
	}
	if got[Ours].Latency > got[Single].Latency*(1+1e-9) {
		t.Errorf("ours %.6f s, single %.6f s", got[Ours].Latency, got[Single].Latency)
	}
	if k := got[Layerwise].Plan.Stages; len(k) < 5 {
		t.Errorf("layerwise made %d stages", len(k))
	}
	if st := got[FixedGrid].Plan.Stages[0]; st.Kind != graphir.StageFused || len(st.Split.Devices) != 4 {
		t.Errorf("fixed-grid starts with %+v", st)
	}
}

// A device's JobOverhead is charged once per stage it has a tile in: a
// plan's predicted latency grows by the overhead times its stages, and
// with a large overhead the search takes fewer stages.
func TestPlan_JobOverhead(t *testing.T) {
	g, _ := smallVGG(t, 32)
	cl := testCluster([]float64{1, 1, 1, 1}, 1000, 1e-4)
	r, err := Plan(g, cl, Options{MinGain: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Plan.Stages) < 2 {
		t.Fatalf("the test wants a plan of several stages, have %d", len(r.Plan.Stages))
	}
	const over = 1e-3
	slow := testCluster([]float64{1, 1, 1, 1}, 1000, 1e-4)
	for i := range slow.Devices {
		slow.Devices[i].JobOverhead = over
	}
	same, err := Predict(g, r.Plan, slow)
	if err != nil {
		t.Fatal(err)
	}
	if want := r.Latency + over*float64(len(r.Plan.Stages)); math.Abs(same.Latency-want) > 1e-9 {
		t.Errorf("%d stages: predicted %.6f s with a %v s overhead a job, want %.6f s", len(r.Plan.Stages), same.Latency, over, want)
	}
	for i := range slow.Devices {
		slow.Devices[i].JobOverhead = 100 * r.Latency
	}
	big, err := Plan(g, slow, Options{MinGain: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(big.Plan.Stages) != 1 {
		t.Errorf("an overhead a job of 100 times the latency: %d stages, want one", len(big.Plan.Stages))
	}
}

// holdingTimer is flopsTimer on a device whose kernels keep a packed copy
// of every weight twice the constant's size.
type holdingTimer struct{ flopsTimer }

func (holdingTimer) HeldWeightBytes(n *graphir.Node) float64 {
	return 3 * costmodel.NodeWork(n).WeightBytes
}

// What a device holds for its weights counts the copies its kernels pack
// (costmodel.HeldWeightBytes through the device's Timer): the memory of
// one device holding the whole model is three times its constants, and a
// limit between the two is over.
func TestPlan_MemoryCountsPackedWeights(t *testing.T) {
	g, _ := smallVGG(t, 32)
	need := 0.0
	for _, n := range g.Nodes {
		need += costmodel.NodeWork(n).WeightBytes
	}
	cl := testCluster([]float64{1}, 10000, 1e-6)
	cl.Devices[0].Timer = holdingTimer{cl.Devices[0].Timer.(flopsTimer)}
	r, err := Plan(g, cl, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Memory) != 1 || r.Memory[0].Bytes < 3*need || r.Memory[0].Bytes > 3*need+need {
		t.Fatalf("memory %+v; want three times the %.0f bytes of weights, plus activations", r.Memory, need)
	}
	cl.Devices[0].Memory = int64(2 * need)
	if _, err := Plan(g, cl, Options{}); err == nil || !strings.Contains(err.Error(), "fits the devices' memory") {
		t.Errorf("a limit of twice the constants: err = %v, want the plan refused", err)
	}
}

// scratchTimer is flopsTimer on a device whose kernels take scratch (as
// Winograd's does) of 1 MB per output channel of a convolution.
type scratchTimer struct{ flopsTimer }

func (scratchTimer) ScratchBytes(n *graphir.Node) float64 {
	if n.Op != graphir.OpConv {
		return 0
	}
	return float64(n.Outputs[0].Shape[1] << 20)
}

// A device's memory counts the largest scratch one of its kernels takes
// beside the activations (costmodel.ScratchBytes through its Timer), once,
// not per layer.
func TestPlan_MemoryCountsKernelScratch(t *testing.T) {
	g, _ := smallVGG(t, 32)
	most := 0.0
	for _, n := range g.Nodes {
		most = max(most, scratchTimer{}.ScratchBytes(n))
	}
	if most == 0 {
		t.Fatal("smallVGG has no convolution")
	}
	cl := testCluster([]float64{1}, 10000, 1e-6)
	plain, err := Plan(g, cl, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cl.Devices[0].Timer = scratchTimer{cl.Devices[0].Timer.(flopsTimer)}
	r, err := Plan(g, cl, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Memory[0].Bytes - plain.Memory[0].Bytes; got != most {
		t.Fatalf("scratch added %.0f bytes to the device's memory; want the largest kernel's, %.0f", got, most)
	}
}
