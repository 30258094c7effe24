package costmodel

import (
	"time"

	"github.com/edgectl/edgectl/graphir"
)

// Kind is a class of nodes whose time follows one linear model.
type Kind string

// The kinds. A node of a graph after graphir.FuseConvEpilogues is one of
// them (Classify); a Conv carries its fused activation and residual sum.
const (
	KindConv3x3     Kind = "conv3x3"       // 3x3 convolution through the GEMM
	KindWinograd    Kind = "conv-winograd" // 3x3 stride-1 convolution the executor runs with Winograd
	KindConv1x1     Kind = "conv1x1"       // pointwise convolution
	KindDepthwise   Kind = "conv-depthwise"
	KindFirstLayer  Kind = "conv-first"  // few input channels: the direct convolution
	KindConvOther   Kind = "conv-other"  // other kernel sizes, strides, groups
	KindGemm        Kind = "gemm"        // Gemm and MatMul (weight-bound at batch 1)
	KindPool        Kind = "pool"        // MaxPool, AveragePool
	KindGlobalPool  Kind = "global-pool" // GlobalAveragePool, GlobalMaxPool, reductions
	KindElementwise Kind = "elementwise" // unary and binary element-wise ops not fused away
	KindConcat      Kind = "concat"
	KindMove        Kind = "move" // data movement: Transpose, Slice, Pad, Resize, Split, ...
	KindFree        Kind = "free" // no work at run time: Reshape, Flatten, Identity, constants
)

// Work is what a node, or a tile's part of it, does: the features of the
// linear model.
type Work struct {
	FLOPs       float64 `json:"flops"`       // a multiply and an add count two
	InBytes     float64 `json:"inBytes"`     // bytes of non-constant inputs read
	OutBytes    float64 `json:"outBytes"`    // bytes of outputs written
	WeightBytes float64 `json:"weightBytes"` // bytes of constant inputs (weights, biases)
}

// Fit is one kind's linear model, in seconds, with its accuracy on sizes
// held out of the fit.
type Fit struct {
	Const         float64 `json:"const"`
	PerFLOP       float64 `json:"perFLOP"`
	PerInByte     float64 `json:"perInByte"`
	PerOutByte    float64 `json:"perOutByte"`
	PerWeightByte float64 `json:"perWeightByte"`
	// Samples is how many measurements the fit used; R2, MAPE (a
	// fraction) and Within10 (the share of held-out sizes predicted within
	// ±10%) are measured on sizes held out of the fit.
	Samples  int     `json:"samples"`
	R2       float64 `json:"r2"`
	MAPE     float64 `json:"mape"`
	Within10 float64 `json:"within10"`
}

// Seconds predicts the time of work w.
func (f Fit) Seconds(w Work) float64 {
	return f.Const + f.PerFLOP*w.FLOPs + f.PerInByte*w.InBytes + f.PerOutByte*w.OutBytes + f.PerWeightByte*w.WeightBytes
}

// Sample is one micro-benchmark measurement.
type Sample struct {
	Kind    Kind    `json:"kind"`
	Shape   string  `json:"shape"` // what was measured, for people
	Work    Work    `json:"work"`
	Seconds float64 `json:"seconds"` // median of the timed runs
}

// Profile format identifiers.
const (
	APIVersion  = "edgectl.dev/v1alpha1"
	ProfileKind = "Profile"
)

// Profile is one device class's latency model, as measured on a device of
// the class: a file users keep (apiVersion edgectl.dev/v1alpha1, kind
// Profile).
type Profile struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Host       string    `json:"host"`    // CPU model of the device measured
	Arch       string    `json:"arch"`    // its GOARCH (the kernel choice depends on it)
	Tier       string    `json:"tier"`    // the kernel tier in use (avx512, avx2, neon, go)
	Threads    int       `json:"threads"` // intra-op threads of the measurement
	Measured   time.Time `json:"measured"`
	// Speed scales every prediction (1: as measured); a class without a
	// profile of its own uses this machine's scaled by its relative speed.
	Speed   float64      `json:"speed,omitempty"`
	Fits    map[Kind]Fit `json:"fits"`
	Samples []Sample     `json:"samples,omitempty"`
}

// Classify returns the kind of node n (of a graph after
// graphir.FuseConvEpilogues) on a device of architecture arch (GOARCH).
func Classify(n *graphir.Node, arch string) Kind {
	panic("costmodel.Classify: not implemented yet")
}

// NodeWork is the work of the whole node.
func NodeWork(n *graphir.Node) Work {
	panic("costmodel.NodeWork: not implemented yet")
}

// Seconds predicts how long node n takes for work w on this profile's
// device class: the fit of n's kind, divided by Speed. A kind the profile
// has no fit for falls back to a documented nearby kind.
func (p *Profile) Seconds(n *graphir.Node, w Work) float64 {
	panic("costmodel.Profile.Seconds: not implemented yet")
}

// Scaled returns a copy of p whose predictions are divided by speed (a
// device speed times as fast as the one measured).
func (p *Profile) Scaled(speed float64) *Profile {
	panic("costmodel.Profile.Scaled: not implemented yet")
}

// FitSamples fits every kind of samples by least squares (gonum), holding
// out a share of the sizes (chosen with seed) to measure each fit's
// accuracy, then refitting on all of them.
func FitSamples(samples []Sample, holdout float64, seed uint64) (map[Kind]Fit, error) {
	panic("costmodel.FitSamples: not implemented yet")
}

// DecodeProfile reads a profile strictly (graphir.DecodeStrict); name is
// the file's name, for errors.
func DecodeProfile(name string, data []byte) (*Profile, error) {
	panic("costmodel.DecodeProfile: not implemented yet")
}

// Encode writes the profile as YAML.
func (p *Profile) Encode() ([]byte, error) {
	panic("costmodel.Profile.Encode: not implemented yet")
}
