package partition

import (
	"slices"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

func TestBoxRuns(t *testing.T) {
	shape := graphir.Shape{4, 3, 2}
	for _, c := range []struct {
		name string
		box  Box
		want [][2]int64
	}{
		{"rows of the first axis are one run", Box{Lo: []int{1, 0, 0}, Hi: []int{3, 3, 2}}, [][2]int64{{6, 18}}},
		{"a span of the second axis is a run per first index", Box{Lo: []int{0, 1, 0}, Hi: []int{2, 3, 2}}, [][2]int64{{2, 6}, {8, 12}}},
		{"a span of the last axis", Box{Lo: []int{3, 2, 1}, Hi: []int{4, 3, 2}}, [][2]int64{{23, 24}}},
		{"whole", FullBox(shape), [][2]int64{{0, 24}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := boxRuns(shape, c.box); !slices.Equal(got, c.want) {
				t.Errorf("boxRuns(%v, %v) = %v, want %v", shape, c.box, got, c.want)
			}
		})
	}
	// Overlapping and touching boxes merge.
	got := Runs(shape, []Box{{Lo: []int{0, 0, 0}, Hi: []int{1, 3, 2}}, {Lo: []int{1, 0, 0}, Hi: []int{2, 3, 2}}, {Lo: []int{3, 0, 0}, Hi: []int{4, 3, 2}}})
	if want := [][2]int64{{0, 12}, {18, 24}}; !slices.Equal(got, want) {
		t.Errorf("runs = %v, want %v", got, want)
	}
}
