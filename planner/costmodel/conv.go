package costmodel

import "github.com/edgectl/edgectl/graphir"

// target is what the kernel choice depends on besides the node: the
// architecture and the kernel tier.
type target struct {
	// winoChannels and winoRows are the least input and output channels
	// and output rows that run Winograd (0: never).
	winoChannels, winoRows int
	// direct: the direct first-layer convolution exists (Ops.ConvC16).
	direct bool
}

// targetOf restates runtime/kernels' choices per tier (conv_wino.go,
// conv_direct.go, internal/simd): Winograd needs the vector maps, which
// only amd64's assembly has; the NEON tier keeps the GEMM for first
// layers. An empty tier is arch's assembly tier.
func targetOf(arch, tier string) target {
	if tier == "" {
		switch arch {
		case "amd64":
			tier = "avx2"
		case "arm64":
			tier = "neon"
		default:
			tier = "go"
		}
	}
	t := target{direct: tier != "neon"}
	if arch == "amd64" {
		switch tier {
		case "avx2":
			t.winoChannels, t.winoRows = 256, 28
		case "avx512":
			t.winoChannels, t.winoRows = 64, 1
		}
	}
	return t
}

// convShape is a 2-D convolution's geometry, per image.
type convShape struct {
	cin, h, w, cout, oh, ow int
	group, kh, kw           int
	sh, sw, dh, dw          int
	pt, pl, pb, pr          int
	sum                     bool
}

// convOf returns n's geometry and whether runtime/kernels' prepareConv
// takes n at all (a 2-D float32 convolution with constant weights).
func convOf(n *graphir.Node) (convShape, bool) {
	var c convShape
	x, w := n.In(0), n.In(1)
	if !isFloat(x) || !isFloat(w) || len(x.Shape) != 4 || w.Const == nil || len(n.Outputs) != 1 || n.Outputs[0] == nil {
		return c, false
	}
	if n.In(2) != nil && !isFloat(n.In(2)) {
		return c, false
	}
	k, s, d, p := n.Attrs["kernel_shape"].Ints, n.Attrs["strides"].Ints, n.Attrs["dilations"].Ints, n.Attrs["pads"].Ints
	y := n.Outputs[0].Shape
	if len(k) != 2 || len(s) != 2 || len(d) != 2 || len(p) != 4 || len(y) != 4 {
		return c, false
	}
	_, c.sum = n.Attrs[graphir.AttrSum]
	if c.sum && (!isFloat(n.In(3)) || !n.In(3).Shape.Equal(y)) {
		return c, false
	}
	c = convShape{cin: x.Shape[1], h: x.Shape[2], w: x.Shape[3], cout: y[1], oh: y[2], ow: y[3],
		group: int(n.Attrs["group"].Int), kh: int(k[0]), kw: int(k[1]), sh: int(s[0]), sw: int(s[1]),
		dh: int(d[0]), dw: int(d[1]), pt: int(p[0]), pl: int(p[1]), pb: int(p[2]), pr: int(p[3]), sum: c.sum}
	if c.group < 1 || int64(c.cin)*int64(c.h*c.w) >= 1<<31 || int64(c.cout)*int64(c.oh*c.ow) >= 1<<31 {
		return c, false
	}
	if c.sum && c.cin/c.group == 1 && c.kh*c.kw > 1 {
		return c, false // depthwise with a fused sum: the reference runs it
	}
	return c, true
}

// kind is the kernel path prepareConv chooses for c on t, in its order:
// Winograd, direct, depthwise, then the GEMM.
func (c convShape) kind(t target) Kind {
	cinG := c.cin / c.group
	switch {
	case t.winoChannels > 0 && c.cin >= t.winoChannels && c.cout >= t.winoChannels && c.oh >= t.winoRows &&
		c.group == 1 && c.kh == 3 && c.kw == 3 && c.sh == 1 && c.sw == 1 && c.dh == 1 && c.dw == 1 &&
		pad01(c.pt) && pad01(c.pl) && pad01(c.oh+2-c.h-c.pt) && pad01(c.ow+2-c.w-c.pl) && !c.sum:
		// A "same" layer, or a tile of one (a halo instead of a pad where
		// its neighbours are).
		return KindWinograd
	case t.direct && c.group == 1 && !c.sum && c.cin <= 4 && c.cin*c.kh*c.kw <= 75 && c.cout%16 == 0 &&
		(c.sw == 1 || c.sw == 2) && c.pt >= 0 && c.pl >= 0:
		return KindFirstLayer
	case cinG == 1 && c.kh*c.kw > 1:
		return KindDepthwise
	case c.pointwise():
		return KindConv1x1
	case c.kh == 3 && c.kw == 3 && c.group == 1:
		return KindConv3x3
	}
	return KindConvOther
}

// pointwise: the GEMM reads the image as its B matrix, no im2col.
func (c convShape) pointwise() bool {
	return c.kh == 1 && c.kw == 1 && c.sh == 1 && c.sw == 1 && c.pt == 0 && c.pl == 0 && c.pb == 0 && c.pr == 0
}

// im2col is the number of elements of the GEMM's B matrices (K x N per
// group); 0 when the image is B itself.
func (c convShape) im2col() float64 {
	if c.pointwise() {
		return 0
	}
	return float64(c.cin/c.group*c.kh*c.kw) * float64(c.oh*c.ow) * float64(c.group)
}

// addTo sets the GEMM's features of w for batch images of c.
func (c convShape) addTo(w *Work, batch int) {
	b := float64(batch)
	w.PackBytes = 4 * c.im2col() * b
	if c.im2col() > 0 {
		w.PackRows = float64(c.cin/c.group*c.kh*c.kw*c.oh*c.group) * b
	}
	w.TileFLOPs = c.tileFLOPs() * b
	w.WinoFLOPs, w.WinoTiles, w.WinoRows = 0, 0, 0
	if c.winoShape() {
		th, tw := (c.oh+1)/2, (c.ow+1)/2
		band := max(1, winoBandCols/max(tw, 1))
		cols := 0 // the GEMMs' N, each block's rounded up to 16
		for r := 0; r < th; r += band {
			cols += (min(band, th-r)*tw + 15) / 16 * 16
		}
		m := float64((c.cout + 23) / 24 * 24)
		w.WinoFLOPs = 2 * 16 * m * float64(c.cin) * float64(cols) * b
		w.WinoTiles = float64(c.cin+c.cout) * float64(th*tw) * b
		w.WinoRows = float64(c.cin+c.cout) * float64(th) * b
	}
}

// winoBandCols restates runtime/kernels' winoBandCols: Winograd's GEMMs
// take blocks of tile rows of about this many tiles.
const winoBandCols = 256

// winoShape reports whether Winograd F(2x2, 3x3) takes c's shape
// (runtime/kernels' prepareWinograd without its channel and row limits,
// which depend on the tier).
func (c convShape) winoShape() bool {
	return c.group == 1 && c.kh == 3 && c.kw == 3 && c.sh == 1 && c.sw == 1 && c.dh == 1 && c.dw == 1 &&
		pad01(c.pt) && pad01(c.pl) && pad01(c.oh+2-c.h-c.pt) && pad01(c.ow+2-c.w-c.pl) && !c.sum && c.oh > 0 && c.ow > 0
}

// tileFLOPs is 2 K M N of every group's GEMM with M rounded up to 6 and N
// to 16: the register tiles the micro-kernel computes.
func (c convShape) tileFLOPs() float64 {
	k := float64(c.cin / c.group * c.kh * c.kw)
	m := float64((c.cout/c.group + 5) / 6 * 6)
	n := float64((c.oh*c.ow + 15) / 16 * 16)
	return 2 * k * m * n * float64(c.group)
}

// spatial is the geometry of the clone of the conv that a spatial tile
// runs to compute out: its crop of the input (rows and columns the
// windows read, inside the image) and pads only at the image's borders,
// as runtime/tilerun builds it.
func (c convShape) spatial(out graphir.Rect) convShape {
	out = out.Intersect(graphir.Rect{Rows: graphir.Span{Lo: 0, Hi: c.oh}, Cols: graphir.Span{Lo: 0, Hi: c.ow}})
	t := c
	t.oh, t.ow = out.Rows.Len(), out.Cols.Len()
	t.h, t.pt, t.pb = window(out.Rows, c.sh, c.dh, c.kh, c.pt, c.h)
	t.w, t.pl, t.pr = window(out.Cols, c.sw, c.dw, c.kw, c.pl, c.w)
	return t
}

// window is the input extent that outputs o in s read along one axis
// (stride, dilation, kernel, leading pad, input size), and the pads it
// reads before and after the input.
func window(s graphir.Span, stride, dil, k, pad, size int) (n, before, after int) {
	if s.Empty() {
		return 0, 0, 0
	}
	lo := s.Lo*stride - pad
	hi := (s.Hi-1)*stride - pad + (k-1)*dil + 1
	before, after = max(0, -lo), max(0, hi-size)
	return max(0, min(hi, size)-max(lo, 0)), before, after
}

// channels is the geometry of the clone that computes output channels
// [lo, hi), widened to whole groups, with its weights sliced.
func (c convShape) channels(lo, hi int) convShape {
	coutG := max(1, c.cout/c.group)
	lo, hi = max(0, lo), min(c.cout, hi)
	if hi <= lo {
		t := c
		t.cout = 0
		return t
	}
	t := c
	if c.group == 1 {
		t.cout = hi - lo
		return t
	}
	g0, g1 := lo/coutG, (hi+coutG-1)/coutG
	t.cout, t.group = (g1-g0)*coutG, g1-g0
	t.cin = c.cin / c.group * t.group
	return t
}

// pad01 reports a pad of 0 or 1 (runtime/kernels' Winograd takes those).
func pad01(p int) bool { return p == 0 || p == 1 }
