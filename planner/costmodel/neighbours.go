package costmodel

import (
	"math"
	"sort"
	"sync"
	"sync/atomic"
)

// nCoords is the number of coordinates of a size in the neighbour
// correction.
const nCoords = 6

// neighbourChoices are the neighbour counts fitKind tries by
// cross-validation (0: the linear fit alone). Three were best for the
// GEMM convolutions and the element-wise ops of a 1032-sample AVX-512
// profile; more smooth too much, fewer follow the noise.
var neighbourChoices = []int{0, 3}

// Correction is one measured size's error under its kind's linear fit:
// where it is (coordsOf its work) and log(measured / predicted).
type Correction struct {
	At       [nCoords]float64 `json:"at"`
	LogRatio float64          `json:"logRatio"`
}

// coordsOf places work w for the neighbour search: the logarithms of its
// FLOPs, input, output, weight, im2col and in-place bytes. For a
// convolution these pin down the GEMM's M, N and K (and the image's
// shape) up to the kernel size; the in-place bytes keep an activation's
// neighbours among activations (a binary op of the same bytes has none).
// One unit is a factor of e.
func coordsOf(w Work) [nCoords]float64 {
	l := func(x float64) float64 { return math.Log1p(max(x, 0)) }
	return [nCoords]float64{l(w.FLOPs), l(w.InBytes), l(w.OutBytes), l(w.WeightBytes), l(w.PackBytes), l(w.InPlaceBytes)}
}

// corrections are the errors of fit f on samples ss.
func corrections(f Fit, ss []Sample) []Correction {
	out := make([]Correction, 0, len(ss))
	for _, s := range ss {
		p := f.linear(s.Work)
		if !(p > 0) || !(s.Seconds > 0) {
			continue
		}
		out = append(out, Correction{At: coordsOf(s.Work), LogRatio: math.Log(s.Seconds / p)})
	}
	return out
}

// correction is the factor the k corrections nearest to w multiply the
// linear prediction by: the geometric mean of their measured/predicted.
// Ties go to the earlier correction, so it is deterministic.
func correction(cs []Correction, k int, w Work) float64 {
	k = min(k, len(cs))
	if k <= 0 {
		return 1
	}
	at := coordsOf(w)
	type near struct {
		d float64
		i int
	}
	best := make([]near, 0, k+1)
	for i, c := range cs {
		d := 0.0
		for j := range at {
			d += (at[j] - c.At[j]) * (at[j] - c.At[j])
		}
		if len(best) == k && d >= best[k-1].d {
			continue
		}
		at := sort.Search(len(best), func(j int) bool { return best[j].d > d })
		best = append(best, near{})
		copy(best[at+1:], best[at:])
		best[at] = near{d, i}
		if len(best) > k {
			best = best[:k]
		}
	}
	sum := 0.0
	for _, b := range best {
		sum += cs[b.i].LogRatio
	}
	return math.Exp(sum / float64(len(best)))
}

// corrMemo remembers corrections: a search asks for the same work many
// times (every tile of a geometry, on every device of a class), and
// each answer scans the kind's samples (planning YOLOv2 on 8 devices:
// 137-147 ms with the scans, 109-124 without corrections). It is
// process-wide and forgets everything past corrMemoMax entries.
var (
	corrMemo  sync.Map // corrKey -> float64
	corrCount atomic.Int64
)

const corrMemoMax = 1 << 20

// corrKey names a fit's corrections by their first element: the pointer
// in the key keeps them alive while the entry is remembered, so no other
// fit's corrections can take their address meanwhile.
type corrKey struct {
	cs *Correction
	k  int
	w  Work
}

func memoCorrection(cs []Correction, k int, w Work) float64 {
	if len(cs) == 0 {
		return correction(cs, k, w)
	}
	key := corrKey{&cs[0], k, w}
	if v, ok := corrMemo.Load(key); ok {
		return v.(float64)
	}
	c := correction(cs, k, w)
	if corrCount.Add(1) > corrMemoMax {
		corrMemo.Clear()
		corrCount.Store(0)
	}
	corrMemo.Store(key, c)
	return c
}
