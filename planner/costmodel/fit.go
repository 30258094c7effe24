package costmodel

import "math"

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
	// PerTailElem is the cost of each output element a 2x2 max pool's
	// vector loop leaves to Go (tailOf); only maxpool fits it.
	PerTailElem float64 `json:"perTailElem,omitempty"`
	// PerColdWeightByte is the extra cost of each weight byte of a node
	// with ColdWeights or more bytes of them: they come from memory, not
	// a cache (the micro-benchmarks evict them before every run).
	PerColdWeightByte float64 `json:"perColdWeightByte,omitempty"`
	// Winograd's terms (Work's WinoFLOPs, WinoTiles, WinoRows); only
	// conv-winograd fits them.
	PerWinoFLOP float64 `json:"perWinoFLOP,omitempty"`
	PerWinoTile float64 `json:"perWinoTile,omitempty"`
	PerWinoRow  float64 `json:"perWinoRow,omitempty"`
	// PerSpillByte is the cost of each byte of the footprint (inputs,
	// outputs and weights) beyond SpillAbove bytes, which no longer fit
	// in a cache; SpillAbove 0 means no such term. FitSamples chooses
	// SpillAbove among a few cache sizes by cross-validation.
	PerSpillByte float64 `json:"perSpillByte,omitempty"`
	SpillAbove   float64 `json:"spillAbove,omitempty"`
	// PerCall and PerInPlaceByte price Work's Calls and InPlaceBytes.
	PerCall        float64 `json:"perCall,omitempty"`
	PerInPlaceByte float64 `json:"perInPlaceByte,omitempty"`
	// Neighbours, when more than 0, corrects the linear prediction by the
	// measured sizes nearest in shape: it is multiplied by the geometric
	// mean of measured/predicted of the Neighbours Corrections nearest to
	// the work (coordsOf). The linear terms cannot follow everything a
	// kernel does with a shape (the register tile a 12-channel layer
	// half fills, a B panel read in place below 96 rows, an element-wise
	// op's own loop), and the micro-benchmarks' sizes are the layers and
	// tiles the models have, so a node is usually near some. FitSamples
	// chooses Neighbours (0 or 3) by cross-validation, like SpillAbove.
	Neighbours  int          `json:"neighbours,omitempty"`
	Corrections []Correction `json:"corrections,omitempty"`
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
const nFeatures = 17

// spillFeature is the index of the footprint past spill.
const spillFeature = 14

var featureNames = [nFeatures]string{"const", "perFLOP", "perInByte", "perOutByte", "perWeightByte", "perPackByte", "perPackRow", "perTileFLOP", "perRow",
	"perTailElem", "perColdWeightByte", "perWinoFLOP", "perWinoTile", "perWinoRow", "perSpillByte", "perCall", "perInPlaceByte"}

// onlyFor are the features that one kind's fit uses and the others' do
// not (their column is zero): the max pool's tail and Winograd's terms.
var onlyFor = map[int]Kind{9: KindPool, 11: KindWinograd, 12: KindWinograd, 13: KindWinograd}

// ColdWeights is the size from which a node's weights are taken to come
// from memory: inside a model they were last read a whole inference ago
// (runtime/profile evicts them before every run of such a micro-benchmark).
const ColdWeights = 1 << 20

// features are the regressors of w, in the order of Fit's coefficients:
// 1 (the constant), Work's fields to Rows, the tail elements, the cold
// weight bytes, Winograd's terms, the footprint past spill (none for
// spill 0), the calls and the bytes passed over in place.
func features(w Work, spill float64) [nFeatures]float64 {
	x := [nFeatures]float64{1, w.FLOPs, w.InBytes, w.OutBytes, w.WeightBytes, w.PackBytes, w.PackRows, w.TileFLOPs, w.Rows, tailOf(w), 0,
		w.WinoFLOPs, w.WinoTiles, w.WinoRows, 0, w.Calls, w.InPlaceBytes}
	if w.WeightBytes >= ColdWeights {
		x[10] = w.WeightBytes
	}
	if spill > 0 {
		x[spillFeature] = max(0, w.InBytes+w.OutBytes+w.WeightBytes-spill)
	}
	return x
}

func (f Fit) coefs() [nFeatures]float64 {
	return [nFeatures]float64{f.Const, f.PerFLOP, f.PerInByte, f.PerOutByte, f.PerWeightByte, f.PerPackByte, f.PerPackRow, f.PerTileFLOP, f.PerRow,
		f.PerTailElem, f.PerColdWeightByte, f.PerWinoFLOP, f.PerWinoTile, f.PerWinoRow, f.PerSpillByte, f.PerCall, f.PerInPlaceByte}
}

// tailOf is the number of output elements that a 2x2 max pool's vector
// loop (8 outputs a step on amd64: runtime/kernels' MaxPool2x2) leaves
// to Go code: per output row, its columns modulo 8. The columns are the
// float32 output elements per row (OutBytes / 4 / Rows), so a spatial
// tile's part counts its own columns.
func tailOf(w Work) float64 {
	if w.Rows <= 0 || w.OutBytes <= 0 {
		return 0
	}
	cols := int(math.Round(w.OutBytes / 4 / w.Rows))
	return w.Rows * float64(cols%8)
}

func fitOf(c []float64, spill float64) Fit {
	f := Fit{Const: c[0], PerFLOP: c[1], PerInByte: c[2], PerOutByte: c[3], PerWeightByte: c[4], PerPackByte: c[5],
		PerPackRow: c[6], PerTileFLOP: c[7], PerRow: c[8], PerTailElem: c[9], PerColdWeightByte: c[10], PerWinoFLOP: c[11], PerWinoTile: c[12], PerWinoRow: c[13], PerSpillByte: c[14], SpillAbove: spill,
		PerCall: c[15], PerInPlaceByte: c[16]}
	if spill == 0 {
		f.PerSpillByte = 0
	}
	return f
}

// Seconds predicts the time of work w: the linear terms, corrected by the
// nearest measured sizes when f has Neighbours.
func (f Fit) Seconds(w Work) float64 {
	s := f.linear(w)
	if f.Neighbours > 0 && len(f.Corrections) > 0 {
		s *= memoCorrection(f.Corrections, f.Neighbours, w)
	}
	return s
}

// linear is the linear terms' prediction of work w.
func (f Fit) linear(w Work) float64 {
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
