package kerneltest

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

// PoolSpec is one 2-D pooling case.
type PoolSpec struct {
	Op                     graphir.Op
	N, C, H, W             int
	KH, KW, SH, SW, DH, DW int
	Pads                   [4]int
	Ceil, CountPad         bool
}

func (s PoolSpec) String() string {
	return fmt.Sprintf("%s_n%dc%dh%dw%d_k%dx%d_s%dx%d_d%dx%d_p%d.%d.%d.%d_ceil%v_cp%v", s.Op, s.N, s.C, s.H, s.W,
		s.KH, s.KW, s.SH, s.SW, s.DH, s.DW, s.Pads[0], s.Pads[1], s.Pads[2], s.Pads[3], s.Ceil, s.CountPad)
}

func (s PoolSpec) Case(r *rand.Rand, specials bool) Case {
	a := graphir.Attrs{"kernel_shape": aInts(s.KH, s.KW), "strides": aInts(s.SH, s.SW), "dilations": aInts(s.DH, s.DW),
		"pads": aInts(s.Pads[0], s.Pads[1], s.Pads[2], s.Pads[3])}
	if s.Ceil {
		a["ceil_mode"] = aInt(1)
	}
	if s.Op == graphir.OpAveragePool && s.CountPad {
		a["count_include_pad"] = aInt(1)
	}
	x := Rand(r, graphir.Shape{s.N, s.C, s.H, s.W})
	name := s.String()
	if specials {
		WithSpecials(r, x)
		name += "_specials"
	}
	return Case{Name: name, Op: s.Op, Attrs: a, In: []*graphir.Tensor{x}, K: s.KH * s.KW}
}

// Pool2D runs the MaxPool and AveragePool suite: the 2x2 stride-2 fast
// path (even and odd widths, with pads), every stride, pad, dilation,
// ceil_mode and count_include_pad, seeded random shapes, and inputs with
// NaN and infinities.
func Pool2D(t *testing.T, prep Prepare) Stats {
	t.Helper()
	r := rand.New(rand.NewSource(5))
	p := func(op graphir.Op, h, w, k, s, pad int) PoolSpec {
		return PoolSpec{Op: op, N: 1, C: 3, H: h, W: w, KH: k, KW: k, SH: s, SW: s, DH: 1, DW: 1, Pads: [4]int{pad, pad, pad, pad}}
	}
	var specs []PoolSpec
	for _, op := range []graphir.Op{graphir.OpMaxPool, graphir.OpAveragePool} {
		specs = append(specs,
			p(op, 16, 16, 2, 2, 0), p(op, 15, 17, 2, 2, 0), p(op, 33, 40, 2, 2, 1), p(op, 9, 9, 3, 1, 1),
			p(op, 14, 15, 3, 2, 1), p(op, 5, 5, 5, 1, 2), p(op, 7, 30, 1, 1, 0), p(op, 12, 12, 4, 3, 0),
		)
		s := p(op, 15, 17, 2, 2, 0)
		s.Ceil = true
		specs = append(specs, s)
		s = p(op, 11, 13, 3, 2, 1)
		s.Ceil, s.CountPad = true, true
		specs = append(specs, s)
		s = p(op, 10, 11, 3, 1, 1)
		s.CountPad = true
		specs = append(specs, s)
		s = PoolSpec{Op: op, N: 2, C: 2, H: 12, W: 14, KH: 2, KW: 3, SH: 1, SW: 2, DH: 2, DW: 3, Pads: [4]int{1, 0, 0, 2}}
		specs = append(specs, s)
	}
	for len(specs) < 24+30 {
		s := PoolSpec{Op: []graphir.Op{graphir.OpMaxPool, graphir.OpAveragePool}[r.Intn(2)], N: 1 + r.Intn(2), C: 1 + r.Intn(3),
			H: 1 + r.Intn(20), W: 1 + r.Intn(40), KH: 1 + r.Intn(4), KW: 1 + r.Intn(4), SH: 1 + r.Intn(3), SW: 1 + r.Intn(3),
			DH: 1 + r.Intn(2), DW: 1 + r.Intn(2), Ceil: r.Intn(3) == 0, CountPad: r.Intn(2) == 0}
		ok := true
		for i, d := range []int{s.KH, s.KW, s.KH, s.KW} {
			dil := []int{s.DH, s.DW, s.DH, s.DW}[i]
			s.Pads[i] = r.Intn((d-1)*dil + 1)
		}
		if s.H+s.Pads[0]+s.Pads[2] < (s.KH-1)*s.DH+1 || s.W+s.Pads[1]+s.Pads[3] < (s.KW-1)*s.DW+1 {
			ok = false
		}
		if ok {
			specs = append(specs, s)
		}
	}
	var cases []Case
	for i, s := range specs {
		cases = append(cases, s.Case(r, i%3 == 2))
	}
	return Run(t, prep, cases)
}

// GlobalPool runs GlobalAveragePool and GlobalMaxPool over ranks 3 to 5.
func GlobalPool(t *testing.T, prep Prepare) Stats {
	t.Helper()
	r := rand.New(rand.NewSource(6))
	var cases []Case
	for _, op := range []graphir.Op{graphir.OpGlobalAveragePool, graphir.OpGlobalMaxPool} {
		for i, sh := range []graphir.Shape{{1, 3, 7}, {2, 5, 7, 9}, {1, 4, 56, 56}, {1, 2, 3, 4, 5}, {1, 1, 1, 1}, {1, 64, 33, 1}} {
			x := Rand(r, sh)
			name := fmt.Sprintf("%s_%v", op, sh)
			if i%2 == 1 {
				WithSpecials(r, x)
				name += "_specials"
			}
			K := sh[2:].Size()
			cases = append(cases, Case{Name: name, Op: op, In: []*graphir.Tensor{x}, K: K})
		}
	}
	return Run(t, prep, cases)
}
