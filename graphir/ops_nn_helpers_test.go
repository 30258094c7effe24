package graphir

import (
	"reflect"
	"strings"
	"testing"
)

// nnTestX is a computed float32 value.
func nnTestX(shape ...int) *Value {
	return &Value{Name: "x", DType: Float32, Shape: Shape(shape)}
}

// nnTestW is a constant float32 value of zeros (weights, biases, scales).
func nnTestW(shape ...int) *Value {
	return &Value{Name: "w", DType: Float32, Shape: Shape(shape), Const: NewTensor(Float32, Shape(shape))}
}

// nnTestF is a constant 1-D float32 value.
func nnTestF(v ...float32) *Value {
	return &Value{Name: "f", DType: Float32, Shape: Shape{len(v)}, Const: FromFloats(Shape{len(v)}, v)}
}

// nnTestI is a constant 1-D int64 value.
func nnTestI(v ...int64) *Value {
	return &Value{Name: "i", DType: Int64, Shape: Shape{len(v)}, Const: FromInts(Shape{len(v)}, v)}
}

func nnInts64(v ...int64) Attr    { return Attr{Kind: AttrInts, Ints: v} }
func nnInt64(v int64) Attr        { return Attr{Kind: AttrInt, Int: v} }
func nnStr(v string) Attr         { return Attr{Kind: AttrString, Str: v} }
func nnFloat(v float32) Attr      { return Attr{Kind: AttrFloat, Float: v} }
func nnFloatsA(v ...float32) Attr { return Attr{Kind: AttrFloats, Floats: v} }

// nnTestCase is one node for InferNode: want is the output shape, or
// wantErr a substring of the error.
type nnTestCase struct {
	name    string
	op      Op
	opset   int
	attrs   Attrs
	in      []*Value
	want    Shape
	wantErr string
	// check, when set, inspects the normalised node.
	check func(t *testing.T, n *Node)
}

func (c nnTestCase) node() *Node {
	return &Node{Name: c.name, Op: c.op, Opset: c.opset, Attrs: c.attrs.Clone(), Inputs: c.in, Outputs: []*Value{{Name: "y"}}}
}

// nnRunInfer runs the cases; each successful case is also inferred a second
// time on its normalised node, which must give the same shape and attributes.
func nnRunInfer(t *testing.T, cases []nnTestCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := c.node()
			err := InferNode(n)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := n.Outputs[0].Shape; !got.Equal(c.want) {
				t.Fatalf("shape %v, want %v", got, c.want)
			}
			if c.check != nil {
				c.check(t, n)
			}
			again := &Node{Name: n.Name, Op: n.Op, Opset: n.Opset, Attrs: n.Attrs.Clone(), Inputs: n.Inputs, Outputs: []*Value{{Name: "y"}}}
			if err := InferNode(again); err != nil {
				t.Fatalf("second inference: %v", err)
			}
			if !again.Outputs[0].Shape.Equal(c.want) || !reflect.DeepEqual(again.Attrs, n.Attrs) {
				t.Fatalf("second inference gives %v %v, first %v %v", again.Outputs[0].Shape, again.Attrs, c.want, n.Attrs)
			}
		})
	}
}

// nnWantInts checks a normalised ints attribute.
func nnWantInts(name string, want ...int64) func(t *testing.T, n *Node) {
	return func(t *testing.T, n *Node) {
		t.Helper()
		if got := n.Attrs[name]; got.Kind != AttrInts || !reflect.DeepEqual(got.Ints, want) && !(len(want) == 0 && len(got.Ints) == 0) {
			t.Fatalf("%s = %v, want %v", name, got.Ints, want)
		}
	}
}
