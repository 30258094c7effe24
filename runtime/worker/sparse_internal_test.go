package worker

import (
	"bytes"
	"slices"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
)

func TestBoxRuns(t *testing.T) {
	shape := graphir.Shape{4, 3, 2}
	for _, c := range []struct {
		name string
		box  partition.Box
		want [][2]int64
	}{
		{"rows of the first axis are one run", partition.Box{Lo: []int{1, 0, 0}, Hi: []int{3, 3, 2}}, [][2]int64{{6, 18}}},
		{"a span of the second axis is a run per first index", partition.Box{Lo: []int{0, 1, 0}, Hi: []int{2, 3, 2}}, [][2]int64{{2, 6}, {8, 12}}},
		{"a span of the last axis", partition.Box{Lo: []int{3, 2, 1}, Hi: []int{4, 3, 2}}, [][2]int64{{23, 24}}},
		{"whole", partition.FullBox(shape), [][2]int64{{0, 24}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := boxRuns(shape, c.box); !slices.Equal(got, c.want) {
				t.Errorf("boxRuns(%v, %v) = %v, want %v", shape, c.box, got, c.want)
			}
		})
	}
	// Overlapping and touching boxes merge.
	got := runs(shape, []partition.Box{{Lo: []int{0, 0, 0}, Hi: []int{1, 3, 2}}, {Lo: []int{1, 0, 0}, Hi: []int{2, 3, 2}}, {Lo: []int{3, 0, 0}, Hi: []int{4, 3, 2}}})
	if want := [][2]int64{{0, 12}, {18, 24}}; !slices.Equal(got, want) {
		t.Errorf("runs = %v, want %v", got, want)
	}
}

// The sparse reader fills exactly the boxes' bytes of a constant's read
// and passes every other read through.
func TestSparseReader(t *testing.T) {
	shape := graphir.Shape{4, 3, 2}
	file := make([]byte, 100+4*shape.Size())
	for i := range file {
		file[i] = byte(i%251 + 1)
	}
	sr := &sparseReader{r: bytes.NewReader(file), shape: shape, elem: 4,
		boxes: []partition.Box{{Lo: []int{1, 0, 0}, Hi: []int{2, 3, 2}}}}
	head := make([]byte, 24)
	if _, err := sr.ReadAt(head, 0); err != nil || !bytes.Equal(head, file[:24]) {
		t.Fatalf("the preamble read: %v", err)
	}
	buf := make([]byte, 4*shape.Size())
	if n, err := sr.ReadAt(buf, 100); err != nil || n != len(buf) {
		t.Fatalf("ReadAt = %d, %v", n, err)
	}
	for i, b := range buf {
		in := i >= 4*6 && i < 4*12
		if in && b != file[100+i] || !in && b != 0 {
			t.Fatalf("byte %d = %d; inside the box: %v", i, b, in)
		}
	}
	if sr.read != 4*6 {
		t.Errorf("read %d bytes, want %d", sr.read, 4*6)
	}
}
