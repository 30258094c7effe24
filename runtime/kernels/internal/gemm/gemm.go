package gemm

import (
	"math"
	"unsafe"

	"github.com/edgectl/edgectl/runtime/internal/stash"
	"github.com/edgectl/edgectl/runtime/kernels/internal/par"
	"github.com/edgectl/edgectl/runtime/kernels/internal/simd"
)

const (
	MR = simd.MR
	NR = simd.NR
)

// Blocking, tuned on Zen 3 (32 KiB L1d, 512 KiB L2 per core): KC bounds a
// K block (the A and B micro-panels, KC*(MR+NR) floats = 27.5 KiB, stay in
// L1), MC x KC is the A block (180 KiB) and KC x NC the B block (240 KiB),
// both in L2. Benchmarks may override them (EDGECTL_GEMM_BLOCKING, see
// runtime/kernels' TestMain).
var (
	KC = 320
	MC = 24 * MR
	NC = 12 * NR
)

// KBlocks splits K into balanced blocks of at most KC and returns their
// starts (with K appended).
func KBlocks(K int) []int {
	nb := max(1, (K+KC-1)/KC)
	out := make([]int, nb+1)
	for b := 0; b <= nb; b++ {
		out[b] = b * K / nb
	}
	return out
}

// ASource packs rows [i0, i0+mc) and depth [k0, k0+kc) of A into dst as
// ceil(mc/MR) panels of kc x MR (k-major), rows past mc zero.
type ASource interface {
	PackA(dst []float32, i0, mc, k0, kc int)
}

// BSource packs depth [k0, k0+kc) and columns [j0, j0+nc) of B into dst as
// ceil(nc/NR) panels of kc x NR (k-major), columns past nc zero.
type BSource interface {
	PackB(dst []float32, k0, kc, j0, nc int, ops *simd.Ops)
}

// DirectB is a BSource whose whole panels can be read in place, without
// packing (with ops that have SgemmInd).
type DirectB interface {
	BSource
	// DirectRows returns the row offsets of depth [k0, k0+kc) (IndPad more
	// after them) shared by all in-place panels of that K block.
	DirectRows(k0, kc int) []int32
	// DirectBase returns the slice the offsets of the panel of NR columns
	// from j are relative to, or ok false when it must be packed.
	DirectBase(j int) (base []float32, ok bool)
}

// Problem is one multiplication C[M x N] (row stride LDC) = A[M x K] B[K x N]
// followed by the epilogue.
type Problem struct {
	M, N, K int
	A       ASource
	B       BSource
	C       []float32
	LDC     int
	// Accumulate adds the product to C as it is (C prefilled, e.g. beta*C).
	Accumulate bool
	RowBias    []float32 // len M, or nil
	ColBias    []float32 // len N, or nil
	Act        int       // simd.Act*
	Params     simd.Params
	// Post, when not nil, is applied in place to each finished row piece of
	// C (an activation the micro-kernel does not do, e.g. Sigmoid).
	Post func(row []float32)
}

// Run computes p with the loops of ops on at most threads goroutines.
func Run(p *Problem, ops *simd.Ops, threads int) {
	if p.M == 0 || p.N == 0 {
		return
	}
	if p.K == 0 {
		runEmpty(p)
		return
	}
	madds := 16.0 // per cycle: two 8-wide FMAs
	if ops.SgemmTall != nil {
		madds = 32 // two 16-wide FMAs
	}
	tm, tn := Split(p.M, p.N, p.K, threads, isPacked(p.A), madds, narrows(ops))
	// With several threads each column block is cut into a few tasks,
	// handed out as threads come free: a helper that starts late (woken,
	// or its core taken for a moment) then delays the call by a task, not
	// by its whole share. Columns cost nothing to split (each task packs
	// only its own B panels).
	cuts := 1
	if tm*tn > 1 {
		cuts = max(1, min(balanceCuts, p.N/(tn*balanceCols)))
	}
	tasks := tm * tn * cuts
	par.For(tm*tn, tasks, func(t int) {
		i0, i1 := par.Range(p.M, tm, MR, t/(tn*cuts))
		j0, j1 := par.Range(p.N, tn*cuts, NR, t%(tn*cuts))
		if i0 < i1 && j0 < j1 {
			work(p, ops, i0, i1, j0, j1)
		}
	})
}

// A column block is cut into at most balanceCuts tasks of at least
// balanceCols columns.
const (
	balanceCuts = 4
	balanceCols = 4 * NR
)

func isPacked(a ASource) bool { _, ok := a.(*PackedA); return ok }

// narrows reports whether partial panels of a few columns run as
// matrix-vector products (narrow): where the tier has them and a tall
// kernel.
func narrows(ops *simd.Ops) bool { return Narrow && ops.GemvPanels != nil && ops.SgemmTall != nil }

// Split chooses a tm x tn grid of at most threads tasks that minimises the
// largest task's estimated cycles: its multiply-adds at madds per cycle
// plus its packing at one element per cycle (B for its columns, A for its
// rows when A is not prepacked). With narrow, a last partial panel of at
// most NarrowCols columns runs as matrix-vector products: it is counted
// as 4 columns each, not as a whole panel, in a task that has all the
// columns (a 7x7 image, 49 = 3*16 + 1: splitting 960x49x160 by rows ran
// in 47 us at 2 threads, by columns, which the whole-panel count chose,
// in 62).
func Split(M, N, K, threads int, aPacked bool, madds float64, narrow bool) (tm, tn int) {
	flops := 2 * float64(M) * float64(N) * float64(K)
	threads = par.Chunks(threads, flops, 2e6)
	best := math.Inf(1)
	tm, tn = 1, 1
	allCols := float64(ceilDiv(N, NR) * NR)
	if rem := N % NR; narrow && rem > 0 && rem <= NarrowCols {
		allCols = float64(N/NR*NR + 4*rem)
	}
	for a := 1; a <= threads; a++ {
		for b := 1; a*b <= threads; b++ {
			m := float64(ceilDiv(ceilDiv(M, MR), a) * MR)
			n := float64(ceilDiv(ceilDiv(N, NR), b) * NR)
			if b == 1 {
				n = allCols
			}
			c := m*n*float64(K)/madds + float64(K)*n
			if !aPacked {
				c += m * float64(K) * float64(ceilDiv(int(n), NC))
			}
			c *= 1 + 1e-3*float64(a*b) // prefer fewer goroutines on ties
			if c < best {
				best, tm, tn = c, a, b
			}
		}
	}
	return tm, tn
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// work computes the rectangle [i0, i1) x [j0, j1) of C.
func work(p *Problem, ops *simd.Ops, i0, i1, j0, j1 int) {
	kb := KBlocks(p.K)
	maxKC := 0
	for b := 0; b+1 < len(kb); b++ {
		maxKC = max(maxKC, kb[b+1]-kb[b])
	}
	// Column blocks of at most NC, balanced: a thin last block would
	// stream all of A for a panel or two (196 columns: 192 + 4).
	nb := ceilDiv(j1-j0, NC)
	ncMax := ceilDiv(ceilDiv(j1-j0, nb), NR) * NR
	bBuf := getBuf(maxKC * ncMax)
	defer putBuf(bBuf)
	pa, packed := p.A.(*PackedA)
	var aBuf *buffer
	if !packed {
		aBuf = getBuf(maxKC * min(MC, ceilDiv(i1-i0, MR)*MR))
		defer putBuf(aBuf)
	}
	// In place saves the packing pass but each micro-kernel call reading
	// scattered image rows runs 5-10% slower than on a packed panel: it
	// pays only when few row panels share each B panel (measured: 1x1
	// 144->24 at 56x56 67.5 vs 57.1 GFLOP/s in place; 1x1 64->256 54.6 vs
	// 60.4; 3x3 128->256 at 52x52 66.6 vs 76.3).
	gemvTails := narrows(ops)
	direct, _ := p.B.(DirectB)
	maxRows := inPlaceMaxRows
	if ops.SgemmTall != nil {
		maxRows = InPlaceMaxRowsTall
	}
	if ops.SgemmInd == nil || i1-i0 > maxRows || (direct != nil && aliasing(direct.DirectRows(kb[0], kb[1]-kb[0])[:kb[1]-kb[0]])) {
		direct = nil
	}
	var rows []*simd.IndRows   // per K block
	var panels []simd.IndPanel // per panel of the block: in place, or the zero IndPanel
	if direct != nil {
		for b := 0; b+1 < len(kb); b++ {
			rows = append(rows, simd.NewIndRows(direct.DirectRows(kb[b], kb[b+1]-kb[b]), kb[b+1]-kb[b]))
		}
		panels = make([]simd.IndPanel, ceilDiv(ncMax, NR))
	}
	for jc := j0; jc < j1; jc += ncMax {
		nc := min(ncMax, j1-jc)
		for b := 0; b+1 < len(kb); b++ {
			k0, kc := kb[b], kb[b+1]-kb[b]
			first, last := b == 0, b+2 == len(kb)
			bp := bBuf.f[:ceilDiv(nc, NR)*NR*kc]
			if direct == nil {
				p.B.PackB(bp, k0, kc, jc, nc, ops)
			} else {
				// Whole panels the source can give in place are not packed.
				for jr := 0; jr < nc; jr += NR {
					pi, nrr := jr/NR, min(NR, nc-jr)
					panels[pi] = simd.IndPanel{}
					if nrr == NR {
						if base, ok := direct.DirectBase(jc + jr); ok {
							panels[pi] = simd.NewIndPanel(base, rows[b])
							continue
						}
					}
					p.B.PackB(bp[pi*kc*NR:(pi+1)*kc*NR], k0, kc, jc+jr, nrr, ops)
				}
			}
			flags := 0
			if !first || p.Accumulate {
				flags |= simd.FlagAccumulate
			}
			if last {
				if p.RowBias != nil {
					flags |= simd.FlagRowBias
				}
				if p.ColBias != nil {
					flags |= simd.FlagColBias
				}
				flags |= p.Act << simd.ActShift
			}
			for ic := i0; ic < i1; ic += MC {
				mc := min(MC, i1-ic)
				var ap []float32
				if packed {
					ap = pa.block(k0, kc, ic, mc)
				} else {
					ap = aBuf.f[:ceilDiv(mc, MR)*MR*kc]
					p.A.PackA(ap, ic, mc, k0, kc)
				}
				for jr := 0; jr < nc; jr += NR {
					narrowNext := gemvTails && nc-jr > NR && nc-jr-NR <= NarrowCols
					if ops.SgemmWide != nil && Wide && direct == nil && nc-jr > NR && !narrowNext {
						// Two B panels at once (the second may be partial).
						wide(p, ops, ap, bp[(jr/NR)*kc*NR:(jr/NR+2)*kc*NR], kc, ic, mc, jc+jr, min(2*NR, nc-jr), flags, last)
						jr += NR
						continue
					}
					nrr := min(NR, nc-jr)
					bpan := bp[(jr/NR)*kc*NR : (jr/NR+1)*kc*NR]
					col := jc + jr
					if gemvTails && nrr <= NarrowCols {
						// A few columns left: one matrix-vector product each
						// instead of a whole 16-wide panel.
						for ir := 0; ir < mc; ir += narrowRows {
							mrr := min(narrowRows, mc-ir)
							apan := ap[(ir/MR)*kc*MR : (ir+mrr+MR-1)/MR*kc*MR]
							narrow(p, ops, bBuf, kc, apan, bpan, ic+ir, col, mrr, nrr, flags)
							if last && p.Post != nil {
								for r := ic + ir; r < ic+ir+mrr; r++ {
									p.Post(p.C[r*p.LDC+col : r*p.LDC+col+nrr])
								}
							}
						}
						continue
					}
					// Rows go TallRows at a time where the tier has a tall
					// micro-kernel (AVX-512: 24 rows), a partial panel too
					// (its column count in the flags).
					step, tall, tflags := MR, ops.SgemmTall != nil && (nrr == NR || TallPartial), flags
					if tall {
						step = ops.TallRows
						if nrr < NR {
							tflags |= nrr << simd.ColsShift
						}
					}
					for ir := 0; ir < mc; ir += step {
						mrr := min(step, mc-ir)
						apan := ap[(ir/MR)*kc*MR : (ir+mrr+MR-1)/MR*kc*MR]
						row := ic + ir
						if nrr == NR || tall {
							var rb, cb *float32
							if flags&simd.FlagRowBias != 0 {
								rb = &p.RowBias[row]
							}
							if flags&simd.FlagColBias != 0 {
								cb = &p.ColBias[col]
							}
							c := p.C[row*p.LDC+col : (row+mrr-1)*p.LDC+col+nrr]
							inPlace := direct != nil && panels[jr/NR].InPlace()
							switch {
							case tall && inPlace:
								ops.SgemmTallInd(kc, &apan[0], &panels[jr/NR], &c[0], p.LDC, mrr, tflags, rb, cb, &p.Params)
							case tall:
								ops.SgemmTall(kc, &apan[0], &bpan[0], &c[0], p.LDC, mrr, tflags, rb, cb, &p.Params)
							case inPlace:
								ops.SgemmInd(kc, &apan[0], &panels[jr/NR], &c[0], p.LDC, mrr, flags, rb, cb, &p.Params)
							default:
								ops.Sgemm(kc, &apan[0], &bpan[0], &c[0], p.LDC, mrr, flags, rb, cb, &p.Params)
							}
						} else {
							edge(p, ops, &bBuf.tile, kc, apan, bpan, row, col, mrr, nrr, flags)
						}
						if last && p.Post != nil {
							for r := row; r < row+mrr; r++ {
								p.Post(p.C[r*p.LDC+col : r*p.LDC+col+nrr])
							}
						}
					}
				}
			}
		}
	}
}

// wide computes rows [ic, ic+mc) and columns [col, col+ncols) of C,
// 16 < ncols <= 2*NR, from the packed A block ap and two B panels bp,
// WideRows rows at a time.
func wide(p *Problem, ops *simd.Ops, ap, bp []float32, kc, ic, mc, col, ncols, flags int, last bool) {
	if ncols < 2*NR {
		flags |= ncols << simd.ColsShift
	}
	var cb *float32
	if flags&simd.FlagColBias != 0 {
		cb = &p.ColBias[col]
	}
	for ir := 0; ir < mc; ir += ops.WideRows {
		mrr := min(ops.WideRows, mc-ir)
		apan := ap[(ir/MR)*kc*MR : (ir+mrr+MR-1)/MR*kc*MR]
		row := ic + ir
		var rb *float32
		if flags&simd.FlagRowBias != 0 {
			rb = &p.RowBias[row]
		}
		c := p.C[row*p.LDC+col : (row+mrr-1)*p.LDC+col+ncols]
		ops.SgemmWide(kc, &apan[0], &bp[0], &c[0], p.LDC, mrr, flags, rb, cb, &p.Params)
		if last && p.Post != nil {
			for r := row; r < row+mrr; r++ {
				p.Post(p.C[r*p.LDC+col : r*p.LDC+col+ncols])
			}
		}
	}
}

// Narrow lets a partial B panel of at most NarrowCols columns run as
// matrix-vector products (Ops.GemvPanels) where the tier has a tall
// micro-kernel (a variable so that a benchmark can compare in one run).
// The tall kernel's multiply-adds on a partial panel are those of a whole
// one; GemvPanels spends 1/16 of them per column, at a lower rate (narrow
// vectors, B broadcast per k). Measured on 7x7 images (49 columns = 3*16
// + 1; min of 101 alternating runs, time without over time with): 1x1
// 2048->512 1.095 at 1 thread, 1.013 at 2; 512->2048 1.087 / 1.009;
// 960->320 1.097 / 1.030; 320->1280 1.102 / 1.029. With 4 columns left
// (14x14, 196 = 12*16 + 4) it lost: 1024->256 0.959 / 1.007.
var (
	Narrow     = true
	NarrowCols = 2
)

// narrowRows is how many rows narrow takes at once: four A panels.
const narrowRows = 4 * MR

// narrow computes rows [row, row+mrr) and columns [col, col+nrr) of C,
// mrr <= narrowRows, nrr <= NarrowCols, from the packed A panels apan and
// the packed B panel bpan (its first nrr columns): GemvPanels per column
// into a tile, then merge.
func narrow(p *Problem, ops *simd.Ops, buf *buffer, kc int, apan, bpan []float32, row, col, mrr, nrr, flags int) {
	np := (mrr + MR - 1) / MR
	t := buf.narrow[:]
	for j := 0; j < nrr; j++ {
		out := buf.gemv[:8*np]
		ops.GemvPanels(kc, apan, np, kc*MR, bpan[j:], NR, out)
		for r := 0; r < mrr; r++ {
			t[r*NR+j] = out[r/MR*8+r%MR]
		}
	}
	merge(p, t, row, col, mrr, nrr, flags)
}

// edge computes a partial tile into tile and merges its valid part.
func edge(p *Problem, ops *simd.Ops, tile *[MR * NR]float32, kc int, apan, bpan []float32, row, col, mrr, nrr, flags int) {
	if nrr <= 8 && ops.Sgemm8 != nil { // half the work (7x7 images: +2-9%)
		ops.Sgemm8(kc, &apan[0], &bpan[0], &tile[0], NR, MR, 0, nil, nil, &p.Params)
	} else {
		ops.Sgemm(kc, &apan[0], &bpan[0], &tile[0], NR, MR, 0, nil, nil, &p.Params)
	}
	merge(p, tile[:], row, col, mrr, nrr, flags)
}

// merge stores the products t (row stride NR) into rows [row, row+mrr)
// and columns [col, col+nrr) of C: C added first (FlagAccumulate), then
// the epilogue the flags ask for.
func merge(p *Problem, t []float32, row, col, mrr, nrr, flags int) {
	if flags&simd.FlagAccumulate != 0 {
		for r := 0; r < mrr; r++ {
			c := p.C[(row+r)*p.LDC+col:]
			for j := 0; j < nrr; j++ {
				t[r*NR+j] += c[j]
			}
		}
	}
	var rb, cb []float32
	if flags&simd.FlagRowBias != 0 {
		rb = p.RowBias[row : row+mrr]
	}
	if flags&simd.FlagColBias != 0 {
		cb = p.ColBias[col : col+nrr]
	}
	simd.Epilogue(t, NR, mrr, nrr, flags&^simd.FlagAccumulate, rb, cb, &p.Params)
	for r := 0; r < mrr; r++ {
		copy(p.C[(row+r)*p.LDC+col:(row+r)*p.LDC+col+nrr], t[r*NR:r*NR+nrr])
	}
}

// runEmpty handles K = 0: C is its own value (or 0) plus the epilogue.
func runEmpty(p *Problem) {
	flags := p.Act << simd.ActShift
	if p.RowBias != nil {
		flags |= simd.FlagRowBias
	}
	if p.ColBias != nil {
		flags |= simd.FlagColBias
	}
	for i := 0; i < p.M; i++ {
		row := p.C[i*p.LDC : i*p.LDC+p.N]
		if !p.Accumulate {
			clear(row)
		}
		var rb []float32
		if p.RowBias != nil {
			rb = p.RowBias[i : i+1]
		}
		simd.Epilogue(row, p.N, 1, p.N, flags, rb, p.ColBias, &p.Params)
		if p.Post != nil {
			p.Post(row)
		}
	}
}

// buffer is a packing buffer aligned to 64 bytes.
type buffer struct {
	raw, f []float32
	tile   [MR * NR]float32 // a partial tile, computed whole
	narrow [narrowRows * NR]float32
	gemv   [8 * narrowRows / MR]float32
}

var bufPool = stash.Stash[*buffer]{New: func() *buffer { return nil }}

// inPlaceMaxRows is the most rows of C a task may have to read B panels
// in place.
const inPlaceMaxRows = 8 * MR

// Wide lets the wide micro-kernel (two B panels at once) run where the
// tier has one (a variable so that a benchmark can compare in one run).
var Wide = true

// TallPartial lets the tall micro-kernel take partial panels (their
// columns in the flags) instead of edge's tile of 6 rows (a variable so
// that a benchmark can compare both in one run).
var TallPartial = true

// InPlaceMaxRowsTall is inPlaceMaxRows for tiers with a tall micro-kernel
// (a variable so that a benchmark can compare settings in one run). With
// ZMM products twice as fast, packing weighs twice as much: in place paid
// up to 96 rows (BenchmarkABInPlaceTall, min of 40 alternating runs: 1x1
// 256->64 at 56x56 0.83x the time, twice; 3x3 64->64 at 56x56 0.93-0.95x;
// 1x1 64->256, 3x3 128->128 at 28x28 within the noise, +-3%). Since packed
// panels have the faster 12x32 kernel, 48 and 96 rows measured the same
// (1x1 256->64 at 56x56: 1.01-1.02).
var InPlaceMaxRowsTall = 16 * MR

// aliasing reports whether B's rows lie a multiple of 1 KiB apart, so that
// in place they share 4 of the 64 L1 sets (4 KiB apart: 1): 112x112 and
// 224x224 planes. Packed, each panel is read from them once. Measured in
// MobileNetV2 (1x1 32->16 at 112x112): 0.78-0.88 ms in place, 0.55-0.60
// packed; at 56x56 (rows 12.25 KiB apart) in place stays the faster.
func aliasing(rows []int32) bool {
	if len(rows) < 2 {
		return false
	}
	for _, r := range rows[1:] {
		if (r-rows[0])%256 != 0 {
			return false
		}
	}
	return true
}

func getBuf(n int) *buffer {
	b := bufPool.Get()
	if b == nil || cap(b.raw) < n+16 {
		b = &buffer{raw: make([]float32, n+16)}
	}
	off := int(uintptr(unsafe.Pointer(&b.raw[:1][0]))%64) / 4
	if off != 0 {
		off = 16 - off
	}
	b.f = b.raw[off : off+n]
	return b
}

func putBuf(b *buffer) { bufPool.Put(b) }

// RunRows computes rows [i0, i1) of p (i0 a multiple of MR) on the calling
// goroutine: for callers that split a multiplication between their own
// threads by rows.
func RunRows(p *Problem, ops *simd.Ops, i0, i1 int) {
	if i0 >= i1 || p.N == 0 {
		return
	}
	if p.K == 0 {
		panic("gemm: RunRows with K = 0")
	}
	work(p, ops, i0, i1, 0, p.N)
}
