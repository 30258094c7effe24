package importer

import (
	"math"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer/onnxpb"
)

// Each rewrite must leave the computed values unchanged: compare with the
// graph imported without rewrites.
func TestRewrites_KeepValues(t *testing.T) {
	matmulAdd := newMB(18)
	matmulAdd.input("x", 3, 5)
	matmulAdd.weight("w", -1, 1, 5, 4)
	matmulAdd.weight("b", -1, 1, 4)
	matmulAdd.node("MatMul", []string{"x", "w"}, []string{"m"})
	matmulAdd.node("Add", []string{"m", "b"}, []string{"y"})
	matmulAdd.output("y")

	reduce := newMB(18)
	reduce.input("x", 1, 3, 5, 7)
	reduce.g.Initializer = append(reduce.g.Initializer, &onnxpb.TensorProto{Name: "axes", Dims: []int64{2}, DataType: int32(onnxpb.TensorProto_INT64), Int64Data: []int64{-1, -2}})
	reduce.node("ReduceMean", []string{"x", "axes"}, []string{"y"}, &onnxpb.AttributeProto{Name: "keepdims", Type: onnxpb.AttributeProto_INT, I: 1})
	reduce.output("y")

	pool := newMB(18)
	pool.input("x", 1, 2, 6, 6)
	pool.node("MaxPool", []string{"x"}, []string{"y", "idx"}, intsAttr("kernel_shape", 2, 2), intsAttr("strides", 2, 2))
	pool.output("y")

	for _, tc := range []struct {
		name   string
		b      *mb
		wantOp graphir.Op
		shape  graphir.Shape
	}{
		{"matmul+add", matmulAdd, graphir.OpGemm, graphir.Shape{3, 5}},
		{"reducemean", reduce, graphir.OpGlobalAveragePool, graphir.Shape{1, 3, 5, 7}},
		{"maxpool indices", pool, graphir.OpMaxPool, graphir.Shape{1, 2, 6, 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.b.bytes(t)
			g, err := Decode(data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			plain, err := Decode(data, Options{KeepUnfolded: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(g.Nodes) != 1 || g.Nodes[0].Op != tc.wantOp || len(g.Nodes[0].Outputs) != 1 {
				t.Fatalf("want one %s with one output, got %v", tc.wantOp, g.Nodes)
			}
			in := map[string]*graphir.Tensor{"x": randInput(tc.shape)}
			a, b := runGraph(t, g, in)["y"], runGraph(t, plain, in)["y"]
			if !a.Shape.Equal(b.Shape) {
				t.Fatalf("shape %v, want %v", a.Shape, b.Shape)
			}
			for i := range a.F {
				if math.Abs(float64(a.F[i]-b.F[i])) > 1e-5 {
					t.Fatalf("value %d: %v, want %v", i, a.F[i], b.F[i])
				}
			}
		})
	}
}
