package graphir

import (
	"reflect"
	"testing"
)

// FuzzTraceRegion_Window checks the window math of Conv and the pools
// against brute force: for a random geometry (pads, strides, dilation,
// ceil_mode) and output span, the traced input span must be exactly the
// input positions the windows touch, and the pads exactly the window
// positions beyond the input's borders (before and after).
func FuzzTraceRegion_Window(f *testing.F) {
	f.Add(uint8(10), uint8(3), uint8(1), uint8(1), uint8(1), uint8(1), false, uint8(0), uint8(5))
	f.Add(uint8(7), uint8(3), uint8(2), uint8(1), uint8(1), uint8(1), false, uint8(2), uint8(2))
	f.Add(uint8(6), uint8(3), uint8(2), uint8(1), uint8(0), uint8(0), true, uint8(2), uint8(1))
	f.Add(uint8(9), uint8(3), uint8(1), uint8(2), uint8(2), uint8(0), false, uint8(0), uint8(1))
	f.Fuzz(func(t *testing.T, size, kernel, stride, dil, padB, padE uint8, ceil bool, lo, n uint8) {
		s, k, st, d := 1+int(size%40), 1+int(kernel%7), 1+int(stride%4), 1+int(dil%3)
		ext := (k-1)*d + 1
		pb, pe := int(padB)%ext, int(padE)%ext
		op := OpAveragePool
		a := Attrs{}
		a.SetInts("kernel_shape", []int64{int64(k), 1})
		a.SetInts("strides", []int64{int64(st), 1})
		a.SetInts("dilations", []int64{int64(d), 1})
		a.SetInts("pads", []int64{int64(pb), 0, int64(pe), 0})
		if ceil {
			a.SetInt("ceil_mode", 1)
		}
		x := &Value{Name: "x", DType: Float32, Shape: Shape{1, 1, s, 3}}
		node := &Node{Name: "p", Op: op, Attrs: a, Inputs: []*Value{x}, Outputs: []*Value{{Name: "y"}}}
		if err := InferNode(node); err != nil {
			return // geometry without an output
		}
		outH := node.Outputs[0].Shape[2]
		o0 := int(lo) % outH
		o1 := o0 + 1 + int(n)%(outH-o0)
		nr, err := TraceRegion(node, Rect{Span{o0, o1}, Span{0, 3}})
		if err != nil {
			t.Fatal(err)
		}
		// The span is the part inside the input of the hull of the windows'
		// extents (with dilation a few rows of it may be skipped by every
		// tap); every tap inside must be in it.
		first, last := o0*st-pb, (o1-1)*st-pb+ext
		hull := Span{max(0, first), min(s, last)}
		before, after := max(0, -first), max(0, last-s)
		got := nr.Inputs[0]
		if got.Rect.Rows != hull {
			t.Errorf("size %d k %d s %d d %d pads %d/%d ceil %v out %v: rows %v, want %v", s, k, st, d, pb, pe, ceil, Span{o0, o1}, got.Rect.Rows, hull)
		}
		for o := o0; o < o1; o++ {
			for j := 0; j < k; j++ {
				if p := o*st - pb + j*d; p >= 0 && p < s && !got.Rect.Rows.Contains(Span{p, p + 1}) {
					t.Errorf("tap %d of output %d is outside %v", p, o, got.Rect.Rows)
				}
			}
		}
		if got.Pad.Top != before || got.Pad.Bottom != after {
			t.Errorf("size %d k %d s %d d %d pads %d/%d ceil %v out %v: pads %d/%d, brute force %d/%d", s, k, st, d, pb, pe, ceil, Span{o0, o1}, got.Pad.Top, got.Pad.Bottom, before, after)
		}
		if got.Pad.Top > pb || (!ceil && got.Pad.Bottom > pe) {
			t.Errorf("pads %d/%d exceed the op's %d/%d", got.Pad.Top, got.Pad.Bottom, pb, pe)
		}
	})
}

// FuzzDecodePlan: any bytes either fail to decode or give a valid plan
// that encodes and decodes to itself.
func FuzzDecodePlan(f *testing.F) {
	f.Add([]byte(planTestJSON))
	f.Add([]byte(`{"apiVersion":"edgectl.dev/v1alpha1","kind":"Plan","stages":[{"name":"a","kind":"single","to":"y","split":{"devices":["w"]}}]}`))
	f.Add([]byte(`{"apiVersion":"edgectl.dev/v1alpha1","kind":"Plan","stages":[{"name":"a","kind":"fused","to":"y","split":{"rows":[0,1],"cols":[0,2,3],"devices":["w","v"]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePlan(data)
		if err != nil {
			return
		}
		b, err := p.Encode()
		if err != nil {
			t.Fatal(err)
		}
		q, err := DecodePlan(b)
		if err != nil || !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip: %v\n%s", err, b)
		}
	})
}
