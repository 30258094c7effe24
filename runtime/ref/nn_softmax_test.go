package ref

import (
	"math"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

func TestSoftmax_Axes(t *testing.T) {
	x := nnF(graphir.Shape{2, 2}, 0, 1, 2, 4)
	e1 := 1 / (1 + math.E)      // softmax([0 1])[0]
	e2 := 1 / (1 + math.Exp(2)) // softmax([2 4])[0]
	// Opset 13, default axis -1: each row.
	got := nnCase{op: graphir.OpSoftmax, opset: 13, in: []*graphir.Tensor{x}}.run(t)
	nnExpect(t, got, graphir.Shape{2, 2}, float32(e1), float32(1-e1), float32(e2), float32(1-e2))
	// Opset 13, axis 0: each column.
	got = nnCase{op: graphir.OpSoftmax, opset: 13, attrs: nnAttrs{"axis": nnAInt(0)}, in: []*graphir.Tensor{x}}.run(t)
	c0, c1 := 1/(1+math.Exp(2)), 1/(1+math.Exp(3))
	nnExpect(t, got, graphir.Shape{2, 2}, float32(c0), float32(c1), float32(1-c0), float32(1-c1))
	// Opset 11, axis 0: the whole tensor flattened into one row.
	got = nnCase{op: graphir.OpSoftmax, opset: 11, attrs: nnAttrs{"axis": nnAInt(0)}, in: []*graphir.Tensor{x}}.run(t)
	sum := 1 + math.E + math.Exp(2) + math.Exp(4)
	nnExpect(t, got, graphir.Shape{2, 2}, float32(1/sum), float32(math.E/sum), float32(math.Exp(2)/sum), float32(math.Exp(4)/sum))
	// LogSoftmax is the log of it, and stable for large inputs.
	big := nnF(graphir.Shape{1, 2}, 10000, 10001)
	got = nnCase{op: graphir.OpLogSoftmax, opset: 13, in: []*graphir.Tensor{big}}.run(t)
	nnExpect(t, got, graphir.Shape{1, 2}, float32(math.Log(e1)), float32(math.Log(1-e1)))
}
