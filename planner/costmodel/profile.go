package costmodel

import (
	"maps"
	"math"
	"time"

	"github.com/edgectl/edgectl/graphir"
)

// Profile format identifiers.
const (
	APIVersion  = "edgectl.dev/v1alpha1"
	ProfileKind = "Profile"
)

// ModelVersion changes when the kinds, the features or the form of the
// fits do (2: BatchNormalization runs as an element-wise kernel, Winograd
// has its own terms, fits carry nearest-neighbour corrections; 3: Work
// has Calls and InPlaceBytes), so that a profile cached by an older
// edgectl is measured again rather than used.
const ModelVersion = "3"

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
	// Speed scales every prediction (1 or 0: as measured); a class without
	// a profile of its own uses this machine's scaled by its relative
	// speed.
	Speed   float64      `json:"speed,omitempty"`
	Fits    map[Kind]Fit `json:"fits"`
	Samples []Sample     `json:"samples,omitempty"`
}

// KindOf is the kind of node n on this profile's device (Classify with its
// Arch and Tier).
func (p *Profile) KindOf(n *graphir.Node) Kind { return Classify(n, p.Arch, p.Tier) }

// Seconds predicts how long node n takes for work w on this profile's
// device class: the fit of n's kind, divided by Speed. w is NodeWork(n),
// or a part of it that runs the same kernel; a spatial or channel tile's
// part may run another one (a tile of a Winograd layer with a halo runs
// the GEMM), so tiles use SpatialSeconds and ChannelSeconds. A kind the
// profile has no fit for falls back to the nearest kind that has one
// (conv-winograd to conv3x3, conv-first and conv-depthwise to conv-other,
// conv-other and conv1x1 to conv3x3, global-maxpool to global-pool,
// global-pool and maxpool-other to
// maxpool, avgpool to maxpool-other, ref-math to ref, concat to copy, pad
// to slice, copy, slice and resize to move, the element-wise and move
// kinds to each other); with none, the prediction is unknown: NaN.
func (p *Profile) Seconds(n *graphir.Node, w Work) float64 {
	return p.KindSeconds(p.KindOf(n), w)
}

// KindSeconds predicts work w of kind k (0 for KindFree).
func (p *Profile) KindSeconds(k Kind, w Work) float64 {
	if k == KindFree {
		return 0
	}
	f, ok := p.fit(k)
	if !ok {
		return math.NaN()
	}
	return f.Seconds(w) / p.speed()
}

// SpatialSeconds predicts the part of node n that computes rectangle out
// of its outputs from rectangles ins of its inputs (SpatialWork), with the
// kernel its tile runs (ClassifySpatial).
func (p *Profile) SpatialSeconds(n *graphir.Node, out graphir.Rect, ins []graphir.Rect) float64 {
	return p.KindSeconds(ClassifySpatial(n, out, p.Arch, p.Tier), SpatialWork(n, out, ins))
}

// ChannelSeconds predicts the part of node n that computes output
// channels [lo, hi) (ChannelWork), with the kernel its tile runs
// (ClassifyChannels).
func (p *Profile) ChannelSeconds(n *graphir.Node, lo, hi int) float64 {
	return p.KindSeconds(ClassifyChannels(n, lo, hi, p.Arch, p.Tier), ChannelWork(n, lo, hi))
}

// fit returns the fit of k or of the first fallback kind that has one.
func (p *Profile) fit(k Kind) (Fit, bool) {
	seen := map[Kind]bool{}
	for k != "" && !seen[k] {
		if f, ok := p.Fits[k]; ok {
			return f, true
		}
		seen[k] = true
		k = fallback[k]
	}
	return Fit{}, false
}

func (p *Profile) speed() float64 {
	if p.Speed > 0 {
		return p.Speed
	}
	return 1
}

// Scaled returns a copy of p whose predictions are divided by speed (a
// device speed times as fast as the one measured); p is not changed.
func (p *Profile) Scaled(speed float64) *Profile {
	q := *p
	q.Fits = maps.Clone(p.Fits)
	q.Samples = append([]Sample(nil), p.Samples...)
	q.Speed = p.speed() * speed
	return &q
}

// NodeTime is one node's predicted time.
type NodeTime struct {
	Name    string
	Op      graphir.Op
	Kind    Kind
	Work    Work
	Seconds float64
}

// PredictGraph predicts g run on one device of p's class: the executor's
// graph (graphir.FuseConvEpilogues applied, so fused-away activations and
// sums cost nothing apart), node by node. total is the sum; a node of a
// kind p cannot predict makes it NaN.
func PredictGraph(p *Profile, g *graphir.Graph) (total float64, nodes []NodeTime) {
	fused, _ := graphir.FuseConvEpilogues(g, nil)
	nodes = make([]NodeTime, 0, len(fused.Nodes))
	for _, n := range fused.Nodes {
		k, w := p.KindOf(n), NodeWork(n)
		s := p.KindSeconds(k, w)
		total += s
		nodes = append(nodes, NodeTime{Name: n.Name, Op: n.Op, Kind: k, Work: w, Seconds: s})
	}
	return total, nodes
}
