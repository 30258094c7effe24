package costmodel

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
