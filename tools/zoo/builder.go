package zoo

import (
	"fmt"
	"strings"

	"github.com/edgectl/edgectl/importer/onnxpb"
)

// value is a tensor flowing between nodes, with its static shape.
type value struct {
	name  string
	shape []int64
}

// builder accumulates the nodes and parameters of one graph in export order.
type builder struct {
	nodes  []*onnxpb.NodeProto
	params []param
	names  map[string]int // node name -> times used, for "_1" suffixes
}

func newBuilder() *builder { return &builder{names: map[string]int{}} }

// scope turns a module's qualified name into the exporter's node scope:
// each level is shown from its last non-numeric component on, so
// "features.1.conv.0.0" becomes "/features/features.1/conv/conv.0/conv.0.0".
func scope(qual string) string {
	if qual == "" {
		return ""
	}
	var sb strings.Builder
	parts := strings.Split(qual, ".")
	start := 0
	for i, p := range parts {
		if !isDigits(p) {
			start = i
		}
		sb.WriteString("/")
		sb.WriteString(strings.Join(parts[start:i+1], "."))
	}
	return sb.String()
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// node appends a node of type op in the scope of module qual and returns its
// single output, named like the exporter does ("<node>_output_0").
func (b *builder) node(qual, op string, inputs []string, shape []int64, attrs ...*onnxpb.AttributeProto) value {
	name := scope(qual) + "/" + op
	if n := b.names[name]; n > 0 {
		b.names[name] = n + 1
		name = fmt.Sprintf("%s_%d", name, n)
	} else {
		b.names[name] = 1
	}
	out := name + "_output_0"
	b.nodes = append(b.nodes, &onnxpb.NodeProto{
		Name: name, OpType: op, Input: inputs, Output: []string{out}, Attribute: attrs,
	})
	return value{name: out, shape: shape}
}

// addParam registers an initializer and returns its name.
func (b *builder) addParam(name string, kind paramKind, fanIn int64, dims ...int64) string {
	b.params = append(b.params, param{name: name, dims: dims, kind: kind, fanIn: fanIn})
	return name
}

func attrInt(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: v}
}

func attrInts(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: v}
}

func attrFloat(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_FLOAT, F: v}
}

func attrString(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_STRING, S: []byte(v)}
}

func attrTensor(name string, t *onnxpb.TensorProto) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_TENSOR, T: t}
}

// window is the output extent of a convolution or pooling window.
func window(in, k, stride, pad int64) int64 { return (in+2*pad-k)/stride + 1 }

// check panics on a broken internal precondition: the architectures are
// fixed tables, so a mismatch is a bug in this package, not bad input.
func check(ok bool, format string, args ...any) {
	if !ok {
		panic(fmt.Sprintf("zoo: "+format, args...))
	}
}

func sameShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func numel(dims []int64) int64 {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	return n
}
