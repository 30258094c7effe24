package plugins

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/edgectl/edgectl/graphir"
)

// canaryLen floats after every output tile hold canary bits; a plugin that
// writes past its output is caught.
const canaryLen = 16

var canaryBits = math.Float32frombits(0x7fc0ed6e) // a quiet NaN payload

// run computes y from x (and the spec's weights) with the plugin, tile by
// tile on up to threads instances. On error y may be partly written.
func (p *Plugin) run(s *spec, x, y *graphir.Tensor, threads int) error {
	workers := min(threads, len(s.tiles), p.opts.Instances)
	if workers <= 1 {
		in, err := p.acquire()
		if err != nil {
			return err
		}
		defer p.release(in)
		for _, t := range s.tiles {
			if err := in.runTile(s, t, x, y); err != nil {
				return err
			}
		}
		return nil
	}
	var (
		next   atomic.Int64
		failed atomic.Bool
		once   sync.Once
		first  error
		wg     sync.WaitGroup
	)
	fail := func(err error) {
		failed.Store(true)
		once.Do(func() { first = err })
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in, err := p.acquire()
			if err != nil {
				fail(err)
				return
			}
			defer p.release(in)
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(s.tiles) {
					return
				}
				if err := in.runTile(s, s.tiles[i], x, y); err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// runTile copies one tile's input into the instance, runs it, checks the
// result shape and the canary, and copies the output into y.
func (in *instance) runTile(s *spec, t tile, x, y *graphir.Tensor) error {
	h, err := in.handle(s)
	if err != nil {
		return err
	}
	td := tileDesc{OC0: int32(t.c0), OC1: int32(t.c1)}
	var inElems, outElems int
	if s.kind == opGemm {
		td.InC, td.InH, td.InW = 1, int32(t.r1-t.r0), int32(s.k)
		td.OutH, td.OutW = int32(t.r1-t.r0), int32(t.c1-t.c0)
		inElems, outElems = (t.r1-t.r0)*s.k, (t.r1-t.r0)*(t.c1-t.c0)
	} else {
		td.InC = int32(s.inC)
		if s.kind != opConv2D {
			td.InC = int32(t.c1 - t.c0)
		}
		td.InH, td.InW = int32((t.r1-t.r0-1)*s.sh+s.extH), int32((s.outW-1)*s.sw+s.extW)
		td.OutH, td.OutW = int32(t.r1-t.r0), int32(s.outW)
		inElems = int(td.InC) * int(td.InH) * int(td.InW)
		outElems = (t.c1 - t.c0) * int(td.OutH) * int(td.OutW)
	}
	inPtr, outPtr, err := in.buffers(4*inElems, 4*(outElems+canaryLen))
	if err != nil {
		return err
	}
	td.In, td.Out = inPtr, outPtr
	src, err := in.floats(inPtr, inElems)
	if err != nil {
		return err
	}
	if s.kind == opGemm {
		copy(src, x.F[t.r0*s.k:t.r1*s.k])
	} else {
		s.fillInput(src, x, t, int(td.InC), int(td.InH), int(td.InW))
	}
	dst, err := in.floats(outPtr, outElems+canaryLen)
	if err != nil {
		return err
	}
	for i := outElems; i < len(dst); i++ {
		dst[i] = canaryBits
	}
	b, err := in.bytes(in.scratch+descSize, tileSize)
	if err != nil {
		return err
	}
	td.encode(b)
	r, err := in.call(in.run[s.kind], uint64(uint32(h)), uint64(in.scratch+descSize))
	if err != nil {
		return err
	}
	if st := int32(r); st != statusOK {
		in.broken = true
		return fmt.Errorf("edgek_%s_run returned %s", s.kind.entry(), statusText(st))
	}
	if b, err = in.bytes(in.scratch+descSize, tileSize); err != nil {
		return err
	}
	td.decodeResult(b)
	wantC, wantH, wantW := int32(t.c1-t.c0), td.OutH, td.OutW
	if s.kind == opGemm {
		wantC = 1
	}
	if td.ResC != wantC || td.ResH != wantH || td.ResW != wantW {
		in.broken = true
		return fmt.Errorf("edgek_%s_run returned shape [%d %d %d], want [%d %d %d]", s.kind.entry(), td.ResC, td.ResH, td.ResW, wantC, wantH, wantW)
	}
	// The memory may have grown during the call: view it again.
	if dst, err = in.floats(outPtr, outElems+canaryLen); err != nil {
		return err
	}
	for i := outElems; i < len(dst); i++ {
		if math.Float32bits(dst[i]) != math.Float32bits(canaryBits) {
			in.broken = true
			return fmt.Errorf("edgek_%s_run wrote past the end of its output", s.kind.entry())
		}
	}
	s.storeOutput(dst[:outElems], y, t)
	in.p.tiles.Add(1)
	return nil
}

// fillInput writes the padded input region of tile t: channels (all for
// conv2d, [c0, c1) otherwise) by rows [r0*sh - padT, ...) by columns
// [-padL, ...), with the pad value outside the image.
func (s *spec) fillInput(dst []float32, x *graphir.Tensor, t tile, c, h, w int) {
	c0 := 0
	if s.kind != opConv2D {
		c0 = t.c0
	}
	y0 := t.r0*s.sh - s.padT
	x0 := -s.padL
	// Columns [lo, hi) of the region lie inside the image.
	lo := max(0, -x0)
	hi := min(w, s.inW-x0)
	for ch := 0; ch < c; ch++ {
		plane := x.F[((t.b*s.inC)+c0+ch)*s.inH*s.inW:]
		for r := 0; r < h; r++ {
			row := dst[(ch*h+r)*w : (ch*h+r+1)*w]
			iy := y0 + r
			if iy < 0 || iy >= s.inH || hi <= lo {
				for i := range row {
					row[i] = s.padValue
				}
				continue
			}
			for i := 0; i < lo; i++ {
				row[i] = s.padValue
			}
			copy(row[lo:hi], plane[iy*s.inW+x0+lo:iy*s.inW+x0+hi])
			for i := hi; i < w; i++ {
				row[i] = s.padValue
			}
		}
	}
}

// storeOutput copies a tile's output into y.
func (s *spec) storeOutput(src []float32, y *graphir.Tensor, t tile) {
	if s.kind == opGemm {
		cols := t.c1 - t.c0
		for r := t.r0; r < t.r1; r++ {
			copy(y.F[r*s.n+t.c0:r*s.n+t.c1], src[(r-t.r0)*cols:(r-t.r0+1)*cols])
		}
		return
	}
	rows := (t.r1 - t.r0) * s.outW
	for c := t.c0; c < t.c1; c++ {
		at := ((t.b*s.outC+c)*s.outH + t.r0) * s.outW
		copy(y.F[at:at+rows], src[(c-t.c0)*rows:(c-t.c0+1)*rows])
	}
}
