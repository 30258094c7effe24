package worker

import (
	"bytes"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
)

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
