package costmodel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// clustered returns n samples whose time is 0.1 ns a FLOP, 1.3 times
// that for inputs under 100 KB: an effect no linear term follows (the
// FLOPs vary independently of the input), as a register tile a small
// layer half fills.
func clustered(n int, seed uint64) []Sample {
	r := rand.New(rand.NewPCG(seed, 3))
	var out []Sample
	for i := 0; i < n; i++ {
		small := i%2 == 0
		w := Work{FLOPs: 1e6 * (1 + 1000*r.Float64()), OutBytes: 1e4}
		slow := 1.0
		if small {
			w.InBytes, slow = 1e4*(1+5*r.Float64()), 1.3
		} else {
			w.InBytes = 1e6 * (1 + 5*r.Float64())
		}
		out = append(out, Sample{Kind: KindConv1x1, Shape: fmt.Sprintf("size %d", i), Work: w, Seconds: 1e-10 * w.FLOPs * slow})
	}
	return out
}

func TestFitSamples_NeighboursChosenWhenTheyHelp(t *testing.T) {
	ss := clustered(60, 1)
	fits, err := FitSamples(ss, 0.25, 1)
	if err != nil {
		t.Fatal(err)
	}
	f := fits[KindConv1x1]
	if f.Neighbours != 3 || len(f.Corrections) != len(ss) {
		t.Fatalf("neighbours %d, %d corrections: want 3 and one a sample", f.Neighbours, len(f.Corrections))
	}
	linear := *fitKindAt(t, ss, 0)
	if f.Within10 <= linear.Within10 || f.MAPE >= linear.MAPE {
		t.Errorf("held out: corrected within10 %v MAPE %v, linear %v %v", f.Within10, f.MAPE, linear.Within10, linear.MAPE)
	}
	for _, s := range ss[:4] {
		if got := f.Seconds(s.Work); math.Abs(got/s.Seconds-1) > 0.05 {
			t.Errorf("%s: %v, measured %v", s.Shape, got, s.Seconds)
		}
	}
}

// fitKindAt is the cross-validated accuracy of ss's linear fit with k
// neighbours (no footprint term), as fitKind deals the folds.
func fitKindAt(t *testing.T, ss []Sample, k int) *Fit {
	t.Helper()
	sizes := map[string][]int{}
	var names []string
	for i, s := range ss {
		names = append(names, s.Shape)
		sizes[s.Shape] = []int{i}
	}
	f, err := crossValidate(ss, sizes, names, 4, 0, k)
	if err != nil {
		t.Fatal(err)
	}
	return &f
}

func TestFitSamples_ExactFitNeedsNoNeighbours(t *testing.T) {
	fits, err := FitSamples(synthetic(KindConv3x3, Fit{Const: 5e-6, PerFLOP: 1e-11}, 40, 0, 1), 0.25, 7)
	if err != nil {
		t.Fatal(err)
	}
	if f := fits[KindConv3x3]; f.Neighbours != 0 || f.Corrections != nil {
		t.Errorf("an exact linear fit got %d neighbours, %d corrections", f.Neighbours, len(f.Corrections))
	}
}

func TestCorrection_GeometricMeanOfNearest(t *testing.T) {
	at := func(flops float64) [nCoords]float64 { return coordsOf(Work{FLOPs: flops}) }
	cs := []Correction{
		{At: at(1e6), LogRatio: math.Log(2)},
		{At: at(1.1e6), LogRatio: math.Log(8)},
		{At: at(1e9), LogRatio: math.Log(100)},
		{At: at(0.9e6), LogRatio: 0},
	}
	for _, tc := range []struct {
		name string
		k    int
		w    Work
		want float64
	}{
		{"none", 0, Work{FLOPs: 1e6}, 1},
		{"nearest", 1, Work{FLOPs: 1.01e6}, 2},
		{"three nearest", 3, Work{FLOPs: 1e6}, math.Cbrt(2 * 8 * 1)},
		{"far", 1, Work{FLOPs: 2e9}, 100},
		{"more than there are", 9, Work{FLOPs: 1e6}, math.Pow(2*8*100, 0.25)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := correction(cs, tc.k, tc.w); math.Abs(got-tc.want) > 1e-9*tc.want {
				t.Errorf("%v, want %v", got, tc.want)
			}
		})
	}
}

func TestProfile_ValidateCorrections(t *testing.T) {
	p := fullProfile()
	f := p.Fits[KindConv1x1]
	f.Neighbours = 3
	p.Fits[KindConv1x1] = f
	g := p.Fits[KindGemm]
	g.Neighbours, g.Corrections = 1, []Correction{{LogRatio: math.NaN()}}
	p.Fits[KindGemm] = g
	err := p.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"fits.conv1x1.neighbours: 3: want 0, or more with corrections", "fits.gemm.corrections[0]: want finite numbers"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v\nwant %q", err, want)
		}
	}
}

func TestProfile_CorrectionsRoundTrip(t *testing.T) {
	ss := clustered(40, 2)
	fits, err := FitSamples(ss, 0.25, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := fullProfile()
	p.Fits[KindConv1x1] = fits[KindConv1x1]
	data, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	q, err := DecodeProfile("p.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss[:5] {
		a, b := p.KindSeconds(KindConv1x1, s.Work), q.KindSeconds(KindConv1x1, s.Work)
		if math.Abs(a/b-1) > 1e-9 {
			t.Errorf("%s: %v before writing, %v after", s.Shape, a, b)
		}
	}
}

// memoCorrection answers as correction does, from the first call on and
// when asked again.
func TestMemoCorrection_EqualsCorrection(t *testing.T) {
	var cs []Correction
	for i := range 40 {
		w := Work{FLOPs: float64(1000 * (i + 1)), InBytes: float64(64 * (i%7 + 1)), OutBytes: float64(32 * (i%5 + 1))}
		cs = append(cs, Correction{At: coordsOf(w), LogRatio: float64(i%9-4) / 10})
	}
	for round := range 2 {
		for i := range 25 {
			w := Work{FLOPs: float64(1300 * (i + 1)), InBytes: float64(50 * (i%6 + 1)), OutBytes: 40}
			if got, want := memoCorrection(cs, 3, w), correction(cs, 3, w); got != want {
				t.Fatalf("round %d work %d: %v, want %v", round, i, got, want)
			}
		}
	}
}
