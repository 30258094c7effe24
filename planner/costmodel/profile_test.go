package costmodel

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/edgectl/edgectl/graphir"
)

func TestPredictGraph_FusedActivationCostsNothing(t *testing.T) {
	x := in(1, 64, 28, 28)
	c := node(t, graphir.OpConv, graphir.Attrs{"kernel_shape": ints(3, 3), "pads": ints(1, 1, 1, 1)}, x, weight(64, 64, 3, 3))
	r := node(t, graphir.OpRelu, nil, c.Outputs[0])
	p := node(t, graphir.OpMaxPool, graphir.Attrs{"kernel_shape": ints(2, 2), "strides": ints(2, 2)}, r.Outputs[0])
	g := &graphir.Graph{Inputs: []*graphir.Value{x}, Outputs: p.Outputs, Nodes: []*graphir.Node{c, r, p}}
	prof := fullProfile()
	total, nodes := PredictGraph(prof, g)
	if len(nodes) != 2 {
		t.Fatalf("%d nodes predicted, want 2 (Conv+Relu, MaxPool)", len(nodes))
	}
	if nodes[0].Kind != KindConv3x3 || nodes[1].Kind != KindPool {
		t.Errorf("kinds %s, %s", nodes[0].Kind, nodes[1].Kind)
	}
	conv := 1e-6 + 1e-9*float64(c.Cost.FLOPs+r.Cost.FLOPs)
	if !near(nodes[0].Seconds, conv) || !near(total, nodes[0].Seconds+nodes[1].Seconds) {
		t.Errorf("conv %v (want %v), total %v", nodes[0].Seconds, conv, total)
	}
	if len(g.Nodes) != 3 {
		t.Error("PredictGraph changed the graph")
	}
}

func TestProfile_SecondsFallbackAndScaled(t *testing.T) {
	p := fullProfile()
	delete(p.Fits, KindWinograd)
	n := conv(t, 256, 28, 28, 256, 3, 1, 1, 1)
	w := NodeWork(n)
	if got, want := p.Seconds(n, w), p.Fits[KindConv3x3].Seconds(w); got != want {
		t.Errorf("Winograd without a fit: %v, want conv3x3's %v", got, want)
	}
	q := p.Scaled(2)
	if got := q.Seconds(n, w); !near(got, p.Seconds(n, w)/2) {
		t.Errorf("twice as fast: %v, want %v", got, p.Seconds(n, w)/2)
	}
	if p.Speed != 0 || !near(q.Scaled(3).Speed, 6) {
		t.Errorf("speeds %v, %v", p.Speed, q.Scaled(3).Speed)
	}
	if !math.IsNaN((&Profile{Fits: map[Kind]Fit{}}).Seconds(n, w)) {
		t.Error("a profile without fits predicts a number")
	}
	if s := p.KindSeconds(KindFree, w); s != 0 {
		t.Errorf("free node costs %v", s)
	}
	half := graphir.Rect{Rows: graphir.Span{Lo: 0, Hi: 14}, Cols: graphir.Span{Lo: 0, Hi: 28}}
	if got, want := p.SpatialSeconds(n, half, nil), p.Fits[KindConv3x3].Seconds(SpatialWork(n, half, nil)); got != want {
		t.Errorf("spatial part %v, want %v", got, want)
	}
	if got, want := p.ChannelSeconds(n, 0, 64), p.Fits[KindConv3x3].Seconds(ChannelWork(n, 0, 64)); got != want {
		t.Errorf("channel part %v, want %v", got, want)
	}
}

func TestProfile_RoundTrip(t *testing.T) {
	p := fullProfile()
	p.Host, p.Measured, p.Speed = "test CPU", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), 1.5
	f := p.Fits[KindConv1x1]
	f.PerSpillByte, f.SpillAbove, f.R2, f.MAPE, f.Within10, f.HeldOut = 1e-11, 1<<20, 0.99, 0.05, 0.9, 10
	p.Fits[KindConv1x1] = f
	p.Samples = []Sample{{Kind: KindGemm, Shape: "gemm 1x2->3", Work: Work{FLOPs: 12, WeightBytes: 24}, Seconds: 1e-6}}
	data, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "apiVersion: edgectl.dev/v1alpha1\n") {
		t.Errorf("YAML starts %q", string(data)[:40])
	}
	q, err := DecodeProfile("p.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, q) {
		t.Errorf("round trip:\n%+v\n%+v", p, q)
	}
}

func TestDecodeProfile_Errors(t *testing.T) {
	good := "apiVersion: edgectl.dev/v1alpha1\nkind: Profile\nthreads: 1\nfits:\n  gemm: {const: 1e-6, perFLOP: 1e-10, samples: 4}\n"
	if _, err := DecodeProfile("p.yaml", []byte(good)); err != nil {
		t.Fatalf("good profile: %v", err)
	}
	for _, tc := range []struct{ name, doc, want string }{
		{"unknown field", good + "colour: red\n", `unknown field "colour"`},
		{"mis-cased field", strings.Replace(good, "threads", "Threads", 1), `unknown field "Threads"`},
		{"repeated field", good + "threads: 2\n", `"threads" is given twice`},
		{"unknown coefficient", strings.Replace(good, "perFLOP", "perFlop", 1), `perFlop`},
		{"wrong kind", strings.Replace(good, "kind: Profile", "kind: Plan", 1), `kind: "Plan": want "Profile"`},
		{"wrong version", strings.Replace(good, "v1alpha1", "v9", 1), `apiVersion`},
		{"negative coefficient", strings.Replace(good, "perFLOP: 1e-10", "perFLOP: -1e-10", 1), "fits.gemm.perFLOP: -1e-10"},
		{"unknown kind", strings.Replace(good, "gemm:", "fft:", 1), "fits.fft: unknown kind"},
		{"negative threads", strings.Replace(good, "threads: 1", "threads: -1", 1), "threads: -1"},
		{"no fits", "apiVersion: edgectl.dev/v1alpha1\nkind: Profile\n", "no fits"},
		{"bad sample", good + "samples:\n- {kind: gemm, shape: a, seconds: 0}\n", "samples[0].seconds"},
		{"type error", strings.Replace(good, "threads: 1", "threads: many", 1), "threads"},
		{"not YAML", "{{{", "p.yaml"},
		{"truncated", good[:len(good)/2], "p.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeProfile("p.yaml", []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	// Every problem at once, each with its line.
	two := strings.Replace(strings.Replace(good, "kind: Profile", "kind: Plan", 1), "threads: 1", "threads: -1", 1)
	_, err := DecodeProfile("p.yaml", []byte(two))
	if err == nil || !strings.Contains(err.Error(), "p.yaml:2: kind") || !strings.Contains(err.Error(), "p.yaml:3: threads") {
		t.Errorf("two problems: %v", err)
	}
}
