package costmodel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/mat"
)

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
		for _, k := range neighbourChoices {
			f, err := crossValidate(ss, sizes, names, folds, spill, k)
			if err != nil {
				return nil, err
			}
			if best == nil || f.MAPE < best.MAPE-1e-9 {
				best = &f
			}
		}
	}
	c, err := solve(ss, best.SpillAbove)
	if err != nil {
		return nil, err
	}
	f := fitOf(c, best.SpillAbove)
	if best.Neighbours > 0 {
		f.Neighbours, f.Corrections = best.Neighbours, corrections(f, ss)
	}
	f.Samples, f.HeldOut, f.R2, f.MAPE, f.Within10 = len(ss), best.HeldOut, best.R2, best.MAPE, best.Within10
	return &f, nil
}

// crossValidate predicts every fold of sizes (names, dealt round robin)
// by a fit of the others with footprint term spill, corrected by its k
// nearest training sizes, and returns the accuracy on them (the Fit's
// SpillAbove, Neighbours, HeldOut, R2, MAPE and Within10 only).
func crossValidate(ss []Sample, sizes map[string][]int, names []string, folds int, spill float64, k int) (Fit, error) {
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
			return Fit{}, err
		}
		tf := fitOf(c, spill)
		if k > 0 {
			tf.Neighbours, tf.Corrections = k, corrections(tf, train)
		}
		for _, s := range test {
			pred, meas = append(pred, tf.Seconds(s.Work)), append(meas, s.Seconds)
		}
	}
	f := Fit{SpillAbove: spill, Neighbours: k, HeldOut: len(pred)}
	f.R2, f.MAPE, f.Within10 = Accuracy(pred, meas)
	return f, nil
}

// solve is the weighted non-negative least-squares fit of samples: row i
// is sample i's features divided by its time, the target 1. A feature
// of onlyFor another kind is zero (an all-zero column gets 0).
func solve(ss []Sample, spill float64) ([]float64, error) {
	a := mat.NewDense(len(ss), nFeatures, nil)
	b := make([]float64, len(ss))
	for i, s := range ss {
		x := features(s.Work, spill)
		for j, k := range onlyFor {
			if s.Kind != k {
				x[j] = 0
			}
		}
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
