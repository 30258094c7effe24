package costmodel

import (
	"math"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestNodeWork_Conv(t *testing.T) {
	n := conv(t, 64, 56, 56, 128, 3, 1, 1, 1)
	w := NodeWork(n)
	if w.FLOPs != float64(n.Cost.FLOPs) {
		t.Errorf("FLOPs %v, want the node's %d", w.FLOPs, n.Cost.FLOPs)
	}
	if w.InBytes != 4*64*56*56 || w.OutBytes != 4*128*56*56 || w.WeightBytes != 4*(128*64*9+128) {
		t.Errorf("bytes in %v out %v weights %v", w.InBytes, w.OutBytes, w.WeightBytes)
	}
	if w.PackBytes != 4*576*56*56 || w.PackRows != 576*56 {
		t.Errorf("im2col %v bytes %v rows, want %v, %v", w.PackBytes, w.PackRows, 4*576*56*56, 576*56)
	}
	// 128 rows round up to 132 (6-row tiles), 3136 positions to 3136.
	if want := 2.0 * 576 * 132 * 3136; w.TileFLOPs != want {
		t.Errorf("tile FLOPs %v, want %v", w.TileFLOPs, want)
	}
	if w.Rows != 128*56 {
		t.Errorf("rows %v", w.Rows)
	}
	if pw := NodeWork(conv(t, 64, 56, 56, 128, 1, 1, 0, 1)); pw.PackBytes != 0 || pw.PackRows != 0 {
		t.Errorf("pointwise packs %v bytes", pw.PackBytes)
	}
}

func TestSpatialWork_PartsAddUp(t *testing.T) {
	n := conv(t, 32, 28, 28, 64, 3, 1, 1, 1)
	full := graphir.FullRect(n.Outputs[0].Shape)
	top := graphir.Rect{Rows: graphir.Span{Lo: 0, Hi: 14}, Cols: full.Cols}
	bottom := graphir.Rect{Rows: graphir.Span{Lo: 14, Hi: 28}, Cols: full.Cols}
	// The input rows each half reads: its rows and a halo row.
	inTop := []graphir.Rect{{Rows: graphir.Span{Lo: 0, Hi: 15}, Cols: full.Cols}}
	inBottom := []graphir.Rect{{Rows: graphir.Span{Lo: 13, Hi: 28}, Cols: full.Cols}}
	a, b, whole := SpatialWork(n, top, inTop), SpatialWork(n, bottom, inBottom), NodeWork(n)
	sum := a.Add(b)
	if !near(sum.FLOPs, whole.FLOPs) || !near(sum.OutBytes, whole.OutBytes) || !near(sum.Rows, whole.Rows) {
		t.Errorf("halves add to %+v, whole %+v", sum, whole)
	}
	if !near(sum.PackBytes, whole.PackBytes) {
		t.Errorf("halves pack %v, whole %v", sum.PackBytes, whole.PackBytes)
	}
	if want := whole.InBytes * 15 / 28; !near(a.InBytes, want) {
		t.Errorf("top half reads %v bytes, want %v (halo included)", a.InBytes, want)
	}
	if a.WeightBytes != whole.WeightBytes {
		t.Errorf("a tile holds all weights: %v, want %v", a.WeightBytes, whole.WeightBytes)
	}
	// A 2x2 tile of a 7x7 plane: its 4 positions are a whole 16-column tile.
	small := conv(t, 64, 7, 7, 64, 3, 1, 1, 1)
	corner := graphir.Rect{Rows: graphir.Span{Lo: 0, Hi: 2}, Cols: graphir.Span{Lo: 0, Hi: 2}}
	if w := SpatialWork(small, corner, nil); w.TileFLOPs != 2*576*66*16 {
		t.Errorf("2x2 tile: tile FLOPs %v, want %v", w.TileFLOPs, 2*576*66*16)
	}
}

func TestChannelWork(t *testing.T) {
	n := conv(t, 64, 28, 28, 128, 3, 1, 1, 1)
	whole := NodeWork(n)
	w := ChannelWork(n, 0, 32)
	if !near(w.FLOPs, whole.FLOPs/4) || !near(w.OutBytes, whole.OutBytes/4) || !near(w.WeightBytes, whole.WeightBytes/4) {
		t.Errorf("a quarter of the channels: %+v of %+v", w, whole)
	}
	if w.InBytes != whole.InBytes || w.PackBytes != whole.PackBytes {
		t.Errorf("a channel slice reads and packs the whole image: in %v pack %v, want %v %v", w.InBytes, w.PackBytes, whole.InBytes, whole.PackBytes)
	}
	dw := conv(t, 96, 28, 28, 96, 3, 1, 1, 96)
	if d := ChannelWork(dw, 0, 48); !near(d.InBytes, NodeWork(dw).InBytes/2) {
		t.Errorf("depthwise half reads %v, want half of %v", d.InBytes, NodeWork(dw).InBytes)
	}
	g := graphir.Attrs{}
	g.SetInt("transB", 1)
	fc := node(t, graphir.OpGemm, g, in(1, 1024), weight(1000, 1024), weight(1000))
	if f := ChannelWork(fc, 0, 250); !near(f.WeightBytes, NodeWork(fc).WeightBytes/4) {
		t.Errorf("gemm quarter weights %v", f.WeightBytes)
	}
}

func TestNodeWork_Winograd(t *testing.T) {
	for _, tc := range []struct {
		name              string
		n                 *graphir.Node
		flops, tiles, rws float64
	}{
		// 14x14 tiles in one block of 196 columns (208 rounded), 64 rows
		// rounded to 72.
		{"28x28", conv(t, 64, 28, 28, 64, 3, 1, 1, 1), 2 * 16 * 72 * 64 * 208, 128 * 196, 128 * 14},
		// 30 tiles a row: blocks of 8 tile rows (240 columns) and a last
		// of 6 (180, rounded to 192).
		{"60x60 in blocks", conv(t, 64, 60, 60, 64, 3, 1, 1, 1), 2 * 16 * 72 * 64 * (3*240 + 192), 128 * 30 * 30, 128 * 30},
		{"strided", conv(t, 64, 28, 28, 64, 3, 2, 1, 1), 0, 0, 0},
		{"1x1", conv(t, 64, 28, 28, 64, 1, 1, 0, 1), 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := NodeWork(tc.n)
			if w.WinoFLOPs != tc.flops || w.WinoTiles != tc.tiles || w.WinoRows != tc.rws {
				t.Errorf("wino FLOPs %v tiles %v rows %v, want %v %v %v", w.WinoFLOPs, w.WinoTiles, w.WinoRows, tc.flops, tc.tiles, tc.rws)
			}
		})
	}
	// A tile of rows 0-13 of the 28x28 layer: 7 rows of 14 tiles.
	n := conv(t, 64, 28, 28, 64, 3, 1, 1, 1)
	out := graphir.Rect{Rows: graphir.Span{Lo: 0, Hi: 14}, Cols: graphir.Span{Lo: 0, Hi: 28}}
	w := SpatialWork(n, out, []graphir.Rect{{Rows: graphir.Span{Lo: 0, Hi: 15}, Cols: graphir.Span{Lo: 0, Hi: 28}}})
	if w.WinoTiles != 128*98 || w.WinoRows != 128*7 || w.WinoFLOPs != 2*16*72*64*112 {
		t.Errorf("tile: wino FLOPs %v tiles %v rows %v", w.WinoFLOPs, w.WinoTiles, w.WinoRows)
	}
}
