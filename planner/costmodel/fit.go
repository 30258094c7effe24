package costmodel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// Fit is one kind's linear model, in seconds, with its accuracy on sizes
// held out of the fit. Every coefficient is >= 0 (non-negative least
// squares), so no work predicts a negative time.
type Fit struct {
	Const         float64 `json:"const"`
	PerFLOP       float64 `json:"perFLOP"`
	PerInByte     float64 `json:"perInByte"`
	PerOutByte    float64 `json:"perOutByte"`
	PerWeightByte float64 `json:"perWeightByte"`
	PerPackByte   float64 `json:"perPackByte,omitempty"`
	PerPackRow    float64 `json:"perPackRow,omitempty"`
	PerTileFLOP   float64 `json:"perTileFLOP,omitempty"`
	PerRow        float64 `json:"perRow,omitempty"`
	// PerSpillByte is the cost of each byte of the footprint (inputs,
	// outputs and weights) beyond SpillAbove bytes, which no longer fit
	// in a cache; SpillAbove 0 means no such term. FitSamples chooses
	// SpillAbove among a few cache sizes by cross-validation.
	PerSpillByte float64 `json:"perSpillByte,omitempty"`
	SpillAbove   float64 `json:"spillAbove,omitempty"`
	// Samples is how many measurements the fit used; R2, MAPE (a
	// fraction) and Within10 (the share of sizes predicted within ±10%)
	// are measured on sizes held out of the fit (HeldOut of them: each
	// size once, by a fit of the others); 0 held out means too few sizes
	// to tell.
	Samples  int     `json:"samples"`
	HeldOut  int     `json:"heldOut"`
	R2       float64 `json:"r2"`
	MAPE     float64 `json:"mape"`
	Within10 float64 `json:"within10"`
}

// nFeatures is the number of terms of a fit.
const nFeatures = 10

var featureNames = [nFeatures]string{"const", "perFLOP", "perInByte", "perOutByte", "perWeightByte", "perPackByte", "perPackRow", "perTileFLOP", "perRow", "perSpillByte"}

// features are the regressors of w, in the order of Fit's coefficients:
// 1 (the constant), Work's fields, and the footprint past spill (none
// for spill 0).
func features(w Work, spill float64) [nFeatures]float64 {
	x := [nFeatures]float64{1, w.FLOPs, w.InBytes, w.OutBytes, w.WeightBytes, w.PackBytes, w.PackRows, w.TileFLOPs, w.Rows}
	if spill > 0 {
		x[nFeatures-1] = max(0, w.InBytes+w.OutBytes+w.WeightBytes-spill)
	}
	return x
}

func (f Fit) coefs() [nFeatures]float64 {
	return [nFeatures]float64{f.Const, f.PerFLOP, f.PerInByte, f.PerOutByte, f.PerWeightByte, f.PerPackByte, f.PerPackRow, f.PerTileFLOP, f.PerRow, f.PerSpillByte}
}

func fitOf(c []float64, spill float64) Fit {
	f := Fit{Const: c[0], PerFLOP: c[1], PerInByte: c[2], PerOutByte: c[3], PerWeightByte: c[4], PerPackByte: c[5],
		PerPackRow: c[6], PerTileFLOP: c[7], PerRow: c[8], PerSpillByte: c[9], SpillAbove: spill}
	if spill == 0 {
		f.PerSpillByte = 0
	}
	return f
}

// Seconds predicts the time of work w.
func (f Fit) Seconds(w Work) float64 {
	c, x := f.coefs(), features(w, f.SpillAbove)
	s := 0.0
	for i := range c {
		s += c[i] * x[i]
	}
	return max(s, 0)
}

// Sample is one micro-benchmark measurement.
type Sample struct {
	Kind    Kind    `json:"kind"`
	Shape   string  `json:"shape"` // what was measured, for people; equal shapes are one size
	Work    Work    `json:"work"`
	Seconds float64 `json:"seconds"` // median of the timed runs
}

// minSizes is the fewest sizes of a kind that FitSamples fits; it holds
// sizes out only from twice as many.
const minSizes = 2

// FitSamples fits every kind of samples by non-negative least squares
// (gonum), weighting each sample by 1/time so that the fit minimises
// relative errors (a 20 us tile counts as much as a 50 ms layer). Accuracy
// is measured on held-out sizes by cross-validation: the distinct sizes
// (Sample.Shape) are dealt, in an order drawn with seed, into
// round(1/holdout) folds, and each fold is predicted by a fit of the
// others, so every size is held out once and each fit holds out about
// holdout of them. The returned fit is then made from all the samples.
func FitSamples(samples []Sample, holdout float64, seed uint64) (map[Kind]Fit, error) {
	if holdout <= 0 || holdout >= 1 || math.IsNaN(holdout) {
		return nil, fmt.Errorf("fit: holdout %v: want a share between 0 and 1", holdout)
	}
	byKind := map[Kind][]Sample{}
	for i, s := range samples {
		if !(s.Seconds > 0) || math.IsInf(s.Seconds, 0) {
			return nil, fmt.Errorf("fit: sample %d (%s %s): time %v is not positive", i, s.Kind, s.Shape, s.Seconds)
		}
		byKind[s.Kind] = append(byKind[s.Kind], s)
	}
	out := map[Kind]Fit{}
	for k, ss := range byKind {
		f, err := fitKind(ss, holdout, seed)
		if err != nil {
			return nil, fmt.Errorf("fit %s: %w", k, err)
		}
		if f != nil {
			out[k] = *f
		}
	}
	return out, nil
}

// spills are the footprints FitSamples tries as SpillAbove: none, then
// cache sizes from 256 KiB to 32 MiB.
var spills = []float64{0, 1 << 18, 1 << 19, 1 << 20, 1 << 21, 1 << 22, 1 << 23, 1 << 24, 1 << 25}

// fitKind fits one kind's samples; nil when there are too few sizes.
func fitKind(ss []Sample, holdout float64, seed uint64) (*Fit, error) {
	sizes := map[string][]int{}
	var names []string
	for i, s := range ss {
		if sizes[s.Shape] == nil {
			names = append(names, s.Shape)
		}
		sizes[s.Shape] = append(sizes[s.Shape], i)
	}
	if len(names) < minSizes {
		return nil, nil
	}
	folds := int(math.Round(1 / holdout))
	if len(names) < 2*minSizes || folds < 2 {
		c, err := solve(ss, 0)
		if err != nil {
			return nil, err
		}
		f := fitOf(c, 0)
		f.Samples = len(ss)
		return &f, nil
	}
	sort.Strings(names)
	r := rand.New(rand.NewPCG(seed, 0x636f73746d6f64))
	r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	var best *Fit
	for _, spill := range spills {
		var pred, meas []float64
		for fold := 0; fold < folds; fold++ {
			var train, test []Sample
			for i, name := range names {
				for _, j := range sizes[name] {
					if i%folds == fold {
						test = append(test, ss[j])
					} else {
						train = append(train, ss[j])
					}
				}
			}
			if len(test) == 0 || len(train) == 0 {
				continue
			}
			c, err := solve(train, spill)
			if err != nil {
				return nil, err
			}
			tf := fitOf(c, spill)
			for _, s := range test {
				pred, meas = append(pred, tf.Seconds(s.Work)), append(meas, s.Seconds)
			}
		}
		f := Fit{SpillAbove: spill, HeldOut: len(pred)}
		f.R2, f.MAPE, f.Within10 = Accuracy(pred, meas)
		if best == nil || f.MAPE < best.MAPE-1e-9 {
			best = &f
		}
	}
	c, err := solve(ss, best.SpillAbove)
	if err != nil {
		return nil, err
	}
	f := fitOf(c, best.SpillAbove)
	f.Samples, f.HeldOut, f.R2, f.MAPE, f.Within10 = len(ss), best.HeldOut, best.R2, best.MAPE, best.Within10
	return &f, nil
}

// solve is the weighted non-negative least-squares fit of samples: row i
// is sample i's features divided by its time, the target 1.
func solve(ss []Sample, spill float64) ([]float64, error) {
	a := mat.NewDense(len(ss), nFeatures, nil)
	b := make([]float64, len(ss))
	for i, s := range ss {
		x := features(s.Work, spill)
		for j := range x {
			a.Set(i, j, x[j]/s.Seconds)
		}
		b[i] = 1
	}
	return nnls(a, b)
}

// Accuracy compares predictions with measurements: R² (1 - residual sum
// of squares over total sum of squares, of the times), MAPE (the mean of
// |pred-meas|/meas) and the share of predictions within ±10% of the
// measurement.
func Accuracy(pred, meas []float64) (r2, mape, within10 float64) {
	if len(pred) == 0 || len(pred) != len(meas) {
		return 0, 0, 0
	}
	mean := 0.0
	for _, m := range meas {
		mean += m
	}
	mean /= float64(len(meas))
	var ssRes, ssTot float64
	in := 0
	for i := range pred {
		d := pred[i] - meas[i]
		ssRes += d * d
		ssTot += (meas[i] - mean) * (meas[i] - mean)
		rel := math.Abs(d) / meas[i]
		mape += rel
		if rel <= 0.10 {
			in++
		}
	}
	r2 = 1.0
	if ssTot > 0 {
		r2 = 1 - ssRes/ssTot
	}
	return r2, mape / float64(len(pred)), float64(in) / float64(len(pred))
}
