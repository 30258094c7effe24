package graphir

import (
	"math"
	"strings"
	"testing"
)

func TestSlice_Resolve(t *testing.T) {
	const big = math.MaxInt64
	tests := []struct {
		name                      string
		shape                     Shape
		starts, ends, axes, steps []int64
		want                      Shape
		wantStarts, wantSteps     []int64
	}{
		{"basic", Shape{20, 10, 5}, []int64{0, 0}, []int64{3, 10}, []int64{0, 1}, []int64{1, 1},
			Shape{3, 10, 5}, []int64{0, 0, 0}, []int64{1, 1, 1}},
		{"default axes", Shape{20, 10}, []int64{1, 2}, []int64{5, 8}, nil, nil,
			Shape{4, 6}, []int64{1, 2}, []int64{1, 1}},
		{"negative axis", Shape{20, 10}, []int64{2}, []int64{-1}, []int64{-1}, nil,
			Shape{20, 7}, []int64{0, 2}, []int64{1, 1}},
		{"step 3", Shape{10}, []int64{1}, []int64{10}, nil, []int64{3},
			Shape{3}, []int64{1}, []int64{3}},
		{"negative step", Shape{20, 10}, []int64{20, 10}, []int64{0, 0}, []int64{0, 1}, []int64{-1, -3},
			Shape{19, 3}, []int64{19, 9}, []int64{-1, -3}},
		{"negative step to start", Shape{5}, []int64{-1}, []int64{-big}, nil, []int64{-1},
			Shape{5}, []int64{4}, []int64{-1}},
		{"end out of bounds", Shape{20, 10}, []int64{1}, []int64{1000}, []int64{1}, []int64{1},
			Shape{20, 9}, []int64{0, 1}, []int64{1, 1}},
		{"start out of bounds", Shape{20, 10}, []int64{1000}, []int64{1000}, []int64{1}, []int64{1},
			Shape{20, 0}, []int64{0, 10}, []int64{1, 1}},
		{"huge step", Shape{7}, []int64{0}, []int64{big}, nil, []int64{big},
			Shape{1}, []int64{0}, []int64{big}},
		{"min step", Shape{7}, []int64{-1}, []int64{-big - 1}, nil, []int64{-big - 1},
			Shape{1}, []int64{6}, []int64{-big - 1}},
		{"empty axis", Shape{0, 3}, []int64{-1}, []int64{-big}, nil, []int64{-1},
			Shape{0, 3}, []int64{0, 0}, []int64{-1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ins := []*Value{tensorTestVal(Float32, tt.shape...), tensorTestInts(tt.starts...), tensorTestInts(tt.ends...)}
			if tt.axes != nil || tt.steps != nil {
				ins = append(ins, nil)
				if tt.axes != nil {
					ins[3] = tensorTestInts(tt.axes...)
				}
			}
			if tt.steps != nil {
				ins = append(ins, tensorTestInts(tt.steps...))
			}
			n, err := tensorTestNode(OpSlice, 13, nil, 1, ins...)
			if err != nil {
				t.Fatal(err)
			}
			if got := n.Outputs[0].Shape; !got.Equal(tt.want) {
				t.Errorf("shape %v, want %v", got, tt.want)
			}
			if s := n.Attrs["starts"].Ints; !tensorTestEqualInts(s, tt.wantStarts) {
				t.Errorf("starts %v, want %v", s, tt.wantStarts)
			}
			if s := n.Attrs["steps"].Ints; !tensorTestEqualInts(s, tt.wantSteps) {
				t.Errorf("steps %v, want %v", s, tt.wantSteps)
			}
			// The normalised attributes alone (opset 1 form) give the same result.
			m, err := tensorTestNode(OpSlice, 1, n.Attrs.Clone(), 1, tensorTestVal(Float32, tt.shape...))
			if err != nil {
				t.Fatalf("reinfer from attributes: %v", err)
			}
			if !m.Outputs[0].Shape.Equal(tt.want) || !tensorTestEqualInts(m.Attrs["starts"].Ints, tt.wantStarts) {
				t.Errorf("reinfer gave %v starts %v", m.Outputs[0].Shape, m.Attrs["starts"].Ints)
			}
		})
	}
}

func TestSlice_Errors(t *testing.T) {
	x := tensorTestVal(Float32, 4, 4)
	tests := []struct {
		name string
		ins  []*Value
		want string
	}{
		{"zero step", []*Value{x, tensorTestInts(0), tensorTestInts(2), tensorTestInts(0), tensorTestInts(0)}, "step"},
		{"length", []*Value{x, tensorTestInts(0, 0), tensorTestInts(2)}, "differ in length"},
		{"repeated axis", []*Value{x, tensorTestInts(0, 0), tensorTestInts(2, 2), tensorTestInts(1, -1)}, "repeated"},
		{"axis range", []*Value{x, tensorTestInts(0), tensorTestInts(2), tensorTestInts(2)}, "out of range"},
		{"computed starts", []*Value{x, tensorTestVal(Int64, 1), tensorTestInts(2)}, "not constant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tensorTestNode(OpSlice, 13, nil, 1, tt.ins...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestPad_Normalise(t *testing.T) {
	x := tensorTestVal(Float32, 1, 3, 4, 5)
	n, err := tensorTestNode(OpPad, 18, Attrs{}, 1, x, tensorTestInts(0, 3, 0, 4), tensorTestScalar(1.5), tensorTestInts(1, -1))
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Outputs[0].Shape; !got.Equal(Shape{1, 3, 4, 12}) {
		t.Errorf("shape %v", got)
	}
	if p := n.Attrs["pads"].Ints; !tensorTestEqualInts(p, []int64{0, 0, 0, 3, 0, 0, 0, 4}) {
		t.Errorf("pads %v", p)
	}
	if n.Attrs["value"].Float != 1.5 || n.Attrs["mode"].Str != "constant" {
		t.Errorf("value %v mode %v", n.Attrs["value"], n.Attrs["mode"])
	}

	old := Attrs{"pads": {Kind: AttrInts, Ints: []int64{0, -1, 1, 2}}, "mode": {Kind: AttrString, Str: "reflect"}}
	n, err = tensorTestNode(OpPad, 2, old, 1, tensorTestVal(Float32, 3, 4))
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Outputs[0].Shape; !got.Equal(Shape{4, 5}) {
		t.Errorf("opset 2 shape %v", got)
	}

	bad := []struct {
		name  string
		attrs Attrs
		ins   []*Value
		want  string
	}{
		{"mode", Attrs{"mode": {Kind: AttrString, Str: "mirror"}}, []*Value{x, tensorTestInts(0, 0, 0, 0, 0, 0, 0, 0)}, "mode"},
		{"length", nil, []*Value{x, tensorTestInts(1, 1)}, "pads"},
		{"crop too far", nil, []*Value{tensorTestVal(Float32, 2), tensorTestInts(-2, -1)}, "below zero"},
		{"computed pads", nil, []*Value{x, tensorTestVal(Int64, 8)}, "not constant"},
		{"reflect empty", Attrs{"mode": {Kind: AttrString, Str: "reflect"}}, []*Value{tensorTestVal(Float32, 0), tensorTestInts(1, 1)}, "size zero"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tensorTestNode(OpPad, 13, tt.attrs, 1, tt.ins...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
