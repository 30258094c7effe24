package zoo

import (
	"fmt"
	"strings"

	"github.com/edgectl/edgectl/importer/onnxpb"
)

// value is a tensor flowing between nodes, with its static shape. elem is
// its ONNX element type; zero means float.
type value struct {
	name  string
	shape []int64
	elem  onnxpb.TensorProto_DataType
}

// builder accumulates the nodes and parameters of one graph in export order,
// naming them as the chosen exporter does.
type builder struct {
	dynamo bool // StyleDynamo: torch.export-based naming and op forms
	// indexed: containers (nn.ModuleList, the top Sequential) are indexed,
	// not called, so the TorchScript exporter shows no scope level for them
	// (Ultralytics models).
	indexed bool

	nodes  []*onnxpb.NodeProto
	params []param
	infos  []*onnxpb.ValueInfoProto // StyleDynamo: every node output
	names  map[string]int           // name -> times used, for "_1" suffixes
	shared map[string]string        // StyleDynamo: constant initializers by content
	vals   int                      // StyleDynamo: "val_N" counter
}

func newBuilder(style Style) *builder {
	return &builder{dynamo: style == StyleDynamo, names: map[string]int{}, shared: map[string]string{}}
}

// scope turns a module's qualified name into the exporter's node scope:
// each level is shown from its last non-numeric component on, so
// "features.1.conv.0.0" becomes "/features/features.1/conv/conv.0/conv.0.0".
func scope(qual string) string { return scopeOf(qual, false) }

// scopeOf is scope; with indexed, a non-numeric level followed by a numeric
// one is a container that is indexed, not called, and is left out:
// "model.22.cv2.0.0.conv" becomes "/model.22/cv2.0/cv2.0.0/conv".
func scopeOf(qual string, indexed bool) string {
	if qual == "" {
		return ""
	}
	var sb strings.Builder
	parts := strings.Split(qual, ".")
	start := 0
	for i, p := range parts {
		if !isDigits(p) {
			start = i
			if indexed && i+1 < len(parts) && isDigits(parts[i+1]) {
				continue
			}
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

// fresh returns base the first time and base_1, base_2, ... after.
func (b *builder) fresh(base string) string {
	n := b.names[base]
	b.names[base] = n + 1
	if n == 0 {
		return base
	}
	return fmt.Sprintf("%s_%d", base, n)
}

// atenNames is what the dynamo exporter calls the value an ONNX op computes
// for a module: the FX node of the ATen op it comes from. Ops missing here
// are helpers inside an ATen op's lowering, whose values are "val_N".
var atenNames = map[string]string{
	"Conv": "conv2d", "BatchNormalization": "batch_norm", "Relu": "relu", "LeakyRelu": "leaky_relu",
	"Clip": "hardtanh", "MaxPool": "max_pool2d", "AveragePool": "avg_pool2d", "ReduceMean": "mean",
	"Reshape": "view", "Gemm": "linear", "Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div",
	"Concat": "cat", "Transpose": "permute", "Sigmoid": "sigmoid", "Softmax": "softmax",
	"Resize": "upsample_nearest2d", "Split": "split", "Pad": "constant_pad_nd",
}

// node appends a node of type op in the scope of module qual and returns its
// single output, named by the exporter's rules (see emit).
func (b *builder) node(qual, op string, inputs []string, shape []int64, attrs ...*onnxpb.AttributeProto) value {
	return b.emit(qual, op, atenNames[op], inputs, [][]int64{shape}, 0, attrs...)[0]
}

// emit appends a node with one output per shape, all of element type elem
// (0: float). The TorchScript exporter names the node after its scope and op
// ("/layer1/layer1.0/conv1/Conv") and the outputs "<node>_output_<i>". The
// dynamo exporter names the value after the ATen op (aten, "conv2d_3"), or
// "val_N" when aten is empty, and the node "node_<value>"; a multi-output
// node's values are the "getitem"s that unpack it.
func (b *builder) emit(qual, op, aten string, inputs []string, shapes [][]int64, elem onnxpb.TensorProto_DataType, attrs ...*onnxpb.AttributeProto) []value {
	n := &onnxpb.NodeProto{OpType: op, Input: inputs, Attribute: attrs}
	outs := make([]value, len(shapes))
	switch {
	case !b.dynamo:
		n.Name = b.fresh(scopeOf(qual, b.indexed) + "/" + op)
		for i := range outs {
			outs[i].name = fmt.Sprintf("%s_output_%d", n.Name, i)
		}
	case aten == "":
		v := b.val()
		n.Name = fmt.Sprintf("node_%s_%s", op, strings.TrimPrefix(v, "val_"))
		outs[0].name = v
		check(len(outs) == 1, "%s %s: helper nodes have one output", qual, op)
	case len(outs) == 1:
		outs[0].name = b.fresh(aten)
		n.Name = "node_" + outs[0].name
	default:
		n.Name = "node_" + b.fresh(aten)
		for i := range outs {
			outs[i].name = b.fresh("getitem")
		}
	}
	if b.dynamo {
		n.MetadataProps = []*onnxpb.StringStringEntryProto{{Key: "namespace", Value: qual}}
	}
	for i := range outs {
		outs[i].shape, outs[i].elem = shapes[i], elem
		n.Output = append(n.Output, outs[i].name)
		if b.dynamo {
			b.infos = append(b.infos, valueInfoOf(outs[i]))
		}
	}
	b.nodes = append(b.nodes, n)
	return outs
}

// val returns a fresh "val_N" name.
func (b *builder) val() string {
	v := fmt.Sprintf("val_%d", b.vals)
	b.vals++
	return v
}

// addParam registers an initializer and returns its name.
func (b *builder) addParam(name string, kind paramKind, fanIn int64, dims ...int64) string {
	b.params = append(b.params, param{name: name, dims: dims, kind: kind, fanIn: fanIn})
	return name
}

// addFixed registers a parameter with fixed values (not drawn from the seed).
func (b *builder) addFixed(name string, t *onnxpb.TensorProto) string {
	b.params = append(b.params, param{name: name, dims: t.Dims, kind: kindFixed,
		dtype: onnxpb.TensorProto_DataType(t.DataType), data: t.RawData})
	return name
}

// constInit makes t an initializer as the dynamo exporter stores folded
// constants: named "val_N" and shared by every use of the same content.
func (b *builder) constInit(t *onnxpb.TensorProto) value {
	v := value{shape: t.Dims, elem: onnxpb.TensorProto_DataType(t.DataType)}
	key := fmt.Sprintf("%d %v %x", t.DataType, t.Dims, t.RawData)
	if name, ok := b.shared[key]; ok {
		v.name = name
		return v
	}
	v.name = b.val()
	b.shared[key] = v.name
	b.params = append(b.params, param{name: v.name, dims: t.Dims, kind: kindConst,
		dtype: onnxpb.TensorProto_DataType(t.DataType), data: t.RawData})
	return v
}

// constant emits a Constant node holding t; its value's shape is t's dims.
func (b *builder) constant(qual string, t *onnxpb.TensorProto) value {
	return b.emit(qual, "Constant", "", nil, [][]int64{t.Dims}, onnxpb.TensorProto_DataType(t.DataType), attrTensor("value", t))[0]
}

// tensorConst is a constant tensor operand as each exporter writes one: a
// Constant node (TorchScript) or a shared initializer (dynamo).
func (b *builder) tensorConst(qual string, t *onnxpb.TensorProto) value {
	if b.dynamo {
		return b.constInit(t)
	}
	return b.constant(qual, t)
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
