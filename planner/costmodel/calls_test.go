package costmodel

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

func TestNodeWork_CallsAndInPlace(t *testing.T) {
	bnAttrs := graphir.Attrs{}
	bnAttrs.SetFloat("epsilon", 1e-5)
	for _, tc := range []struct {
		name           string
		n              *graphir.Node
		calls, inPlace float64
	}{
		// 2x2 stride 2: one MaxPool2x2 call a row, which Rows counts.
		{"maxpool 2x2", pool(t, false, 64, 56, 2, 2, 0), 0, 0},
		// 3x3 stride 2, pad 1: 28 output rows a plane, 3 row passes, 3
		// column passes and 2 more each.
		{"maxpool 3x3", pool(t, false, 64, 56, 3, 2, 1), 64 * 28 * 8, 0},
		// An average pool: a call per window position and a division.
		{"avgpool 3x3", pool(t, true, 16, 28, 3, 1, 1), 16 * 28 * 10, 0},
		{"relu", node(t, graphir.OpRelu, nil, in(1, 32, 28, 28)), 0, 4 * 32 * 28 * 28},
		{"add", node(t, graphir.OpAdd, nil, in(1, 32, 28, 28), in(1, 32, 28, 28)), 0, 0},
		// A per-channel operand: one call per channel's block.
		{"add bcast", node(t, graphir.OpAdd, nil, in(1, 32, 28, 28), weight(32, 1, 1)), 32, 0},
		{"batchnorm", node(t, graphir.OpBatchNormalization, bnAttrs, in(1, 32, 28, 28), weight(32), weight(32), weight(32), weight(32)),
			2 * 32, 4 * 32 * 28 * 28},
		{"conv", conv(t, 32, 28, 28, 32, 3, 1, 1, 1), 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := NodeWork(tc.n)
			if w.Calls != tc.calls || w.InPlaceBytes != tc.inPlace {
				t.Errorf("calls %v, in place %v bytes; want %v, %v", w.Calls, w.InPlaceBytes, tc.calls, tc.inPlace)
			}
		})
	}
}

func TestSpatialWork_CallsOfTiles(t *testing.T) {
	// A pool's calls are per output row: the top half has half of them.
	p := pool(t, false, 64, 56, 3, 2, 1)
	whole := NodeWork(p)
	top := graphir.Rect{Rows: graphir.Span{Lo: 0, Hi: 14}, Cols: graphir.Span{Lo: 0, Hi: 28}}
	if w := SpatialWork(p, top, nil); !near(w.Calls, whole.Calls/2) {
		t.Errorf("pool top half: %v calls, want %v", w.Calls, whole.Calls/2)
	}
	// BatchNormalization calls per plane: every tile makes all of them,
	// and passes over its own part of the output in place.
	bnAttrs := graphir.Attrs{}
	bnAttrs.SetFloat("epsilon", 1e-5)
	bn := node(t, graphir.OpBatchNormalization, bnAttrs, in(1, 32, 28, 28), weight(32), weight(32), weight(32), weight(32))
	bw := NodeWork(bn)
	half := graphir.Rect{Rows: graphir.Span{Lo: 0, Hi: 14}, Cols: graphir.Span{Lo: 0, Hi: 28}}
	if w := SpatialWork(bn, half, nil); w.Calls != bw.Calls || !near(w.InPlaceBytes, bw.InPlaceBytes/2) {
		t.Errorf("batchnorm half: %v calls, %v in place; want %v, %v", w.Calls, w.InPlaceBytes, bw.Calls, bw.InPlaceBytes/2)
	}
	if w := ChannelWork(bn, 0, 8); !near(w.Calls, bw.Calls/4) || !near(w.InPlaceBytes, bw.InPlaceBytes/4) {
		t.Errorf("batchnorm quarter of the channels: %v calls, %v in place; want %v, %v", w.Calls, w.InPlaceBytes, bw.Calls/4, bw.InPlaceBytes/4)
	}
}

// TestFitSamples_NeedsCalls: pools whose time is a cost per output row
// plus one per call, with windows of 2 to 5 (so calls are not a multiple
// of rows). Without the calls term the fit misses held-out sizes; with
// it every one is within 10%.
func TestFitSamples_NeedsCalls(t *testing.T) {
	var ss []Sample
	i := 0
	for _, k := range []int{2, 3, 4, 5} {
		for _, c := range []int{16, 32, 64, 128, 256} {
			for _, h := range []int{8, 14, 28} {
				rows := float64(c * h)
				w := Work{FLOPs: rows * float64(h*k*k), InBytes: 4 * rows * float64(h), OutBytes: 4 * rows * float64(h),
					Rows: rows, Calls: rows * float64(2*k+2)}
				sec := 1e-6 + 2e-9*rows + 8e-9*w.Calls + 1e-11*w.InBytes
				ss = append(ss, Sample{Kind: KindPoolOther, Shape: fmt.Sprintf("pool %d", i), Work: w, Seconds: sec})
				i++
			}
		}
	}
	with, old := fitWithAndWithout(t, ss, KindPoolOther, func(w *Work) { w.Calls = 0 })
	if with.Within10 != 1 || with.PerCall <= 0 {
		t.Errorf("with calls: within 10%% %v, per call %v", with.Within10, with.PerCall)
	}
	t.Logf("calls: with %v without %v", with.Within10, old.Within10)
	if old.Within10 > 0.8 {
		t.Errorf("without calls the fit should miss: within 10%% %v", old.Within10)
	}
}

// TestFitSamples_NeedsInPlace: element-wise ops of the same sizes, half
// of them passing over their output a second time. Without the in-place
// term the two kinds of op cannot both be within 10%.
func TestFitSamples_NeedsInPlace(t *testing.T) {
	var ss []Sample
	for i, e := range []int{1 << 12, 3 << 12, 1 << 14, 3 << 14, 1 << 16, 3 << 16, 1 << 18, 3 << 18, 1 << 20, 3 << 20} {
		for _, unary := range []bool{false, true} {
			w := Work{FLOPs: float64(e), InBytes: 4 * float64(e), OutBytes: 4 * float64(e), Rows: float64(e / 64)}
			if unary {
				w.InPlaceBytes = w.OutBytes
			}
			sec := 5e-7 + 1e-11*w.InBytes + 2e-11*w.OutBytes + 2.5e-11*w.InPlaceBytes
			ss = append(ss, Sample{Kind: KindElementwise, Shape: fmt.Sprintf("op %d %v", i, unary), Work: w, Seconds: sec})
		}
	}
	with, old := fitWithAndWithout(t, ss, KindElementwise, func(w *Work) { w.InPlaceBytes = 0 })
	if with.Within10 != 1 || with.PerInPlaceByte <= 0 {
		t.Errorf("with the in-place term: within 10%% %v, per byte %v", with.Within10, with.PerInPlaceByte)
	}
	t.Logf("in place: with %v without %v", with.Within10, old.Within10)
	if old.Within10 > 0.8 {
		t.Errorf("without it the fit should miss: within 10%% %v", old.Within10)
	}
}

// fitWithAndWithout fits kind k of samples ss as they are, and again with
// drop applied to every sample's work (a term taken away).
func fitWithAndWithout(t *testing.T, ss []Sample, k Kind, drop func(*Work)) (with, without Fit) {
	t.Helper()
	all, err := FitSamples(ss, 0.25, 1)
	if err != nil {
		t.Fatal(err)
	}
	cut := slices.Clone(ss)
	for i := range cut {
		drop(&cut[i].Work)
	}
	old, err := FitSamples(cut, 0.25, 1)
	if err != nil {
		t.Fatal(err)
	}
	return all[k], old[k]
}

// TestCorrection_ActivationsNearActivations: a binary op and an
// activation of the same bytes are apart in the neighbour search, so an
// activation is corrected by activations (listed after the binary ops,
// which win ties).
func TestCorrection_ActivationsNearActivations(t *testing.T) {
	var cs []Correction
	for _, unary := range []bool{false, true} {
		for _, e := range []float64{1 << 14, 1 << 16, 1 << 18} {
			w := Work{FLOPs: e, InBytes: 4 * e, OutBytes: 4 * e}
			lr := 0.0
			if unary {
				w.InPlaceBytes, lr = 4*e, math.Log(1.5)
			}
			cs = append(cs, Correction{At: coordsOf(w), LogRatio: lr})
		}
	}
	e := float64(1 << 16)
	if c := correction(cs, 3, Work{FLOPs: e, InBytes: 4 * e, OutBytes: 4 * e, InPlaceBytes: 4 * e}); !near(c, 1.5) {
		t.Errorf("activation corrected by %v, want 1.5 (its own kind's)", c)
	}
	if c := correction(cs, 3, Work{FLOPs: e, InBytes: 4 * e, OutBytes: 4 * e}); !near(c, 1) {
		t.Errorf("binary op corrected by %v, want 1", c)
	}
}
