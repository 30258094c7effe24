package ref

import (
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

func TestDepthToSpace_Modes(t *testing.T) {
	x := nnIota(graphir.Shape{1, 8, 1, 1})
	got := nnCase{op: graphir.OpDepthToSpace, attrs: nnAttrs{"blocksize": nnAInt(2)}, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 2, 2, 2}, 0, 2, 4, 6, 1, 3, 5, 7)
	got = nnCase{op: graphir.OpDepthToSpace, attrs: nnAttrs{"blocksize": nnAInt(2), "mode": nnAStr("CRD")}, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 2, 2, 2}, 0, 1, 2, 3, 4, 5, 6, 7)
}

func TestSpaceToDepth_InverseOfDCR(t *testing.T) {
	x := nnIota(graphir.Shape{2, 3, 4, 6})
	a := nnAttrs{"blocksize": nnAInt(2)}
	s2d := nnCase{op: graphir.OpSpaceToDepth, attrs: a, in: []*graphir.Tensor{x}}.run(t)
	if !s2d.Shape.Equal(graphir.Shape{2, 12, 2, 3}) {
		t.Fatalf("shape %v", s2d.Shape)
	}
	// The first output channel holds the top-left pixel of each block.
	if s2d.F[0] != 0 || s2d.F[1] != 2 || s2d.F[3] != 12 {
		t.Fatalf("first channel starts %v", s2d.F[:4])
	}
	back := nnCase{op: graphir.OpDepthToSpace, attrs: a, in: []*graphir.Tensor{s2d}}.run(t)
	nnExpect(t, back, x.Shape, x.F...)
}
