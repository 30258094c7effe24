package ref

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer/onnxpb"
)

// nnNodeTestRoot finds the ONNX single-operator conformance cases:
// $EDGECTL_NODE_TESTS, or shared/onnx-node-tests in the working directory or
// a parent (the shared folder sits beside the repository); "" when absent.
func nnNodeTestRoot() string {
	if d := os.Getenv("EDGECTL_NODE_TESTS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		cand := filepath.Join(dir, "shared", "onnx-node-tests")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// nnErrUnsupportedData marks a case whose tensors use a data type edgectl does
// not compute in; such cases are skipped, not failed.
var nnErrUnsupportedData = errors.New("unsupported data type")

// nnNodeCase is one decoded single-node conformance case.
type nnNodeCase struct {
	node   *graphir.Node
	inputs []*graphir.Tensor // one per node input, nil when omitted
	want   []*graphir.Tensor // one per node output
}

// nnLoadNodeCase decodes dir/model.onnx and test_data_set_0. Graph inputs that
// feed node input 0 stay computed values; every other input (weights, scales,
// sizes, axes) is marked constant, as an initializer would be in a real model.
func nnLoadNodeCase(dir string) (*nnNodeCase, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return nil, err
	}
	var m onnxpb.ModelProto
	if err := proto.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("decode model: %w", err)
	}
	g := m.GetGraph()
	if len(g.GetNode()) != 1 {
		return nil, fmt.Errorf("model has %d nodes, want 1", len(g.GetNode()))
	}
	pn := g.GetNode()[0]
	op, ok := graphir.ParseOp(pn.GetOpType())
	if !ok {
		return nil, fmt.Errorf("unknown op %q", pn.GetOpType())
	}
	opset := 0
	for _, o := range m.GetOpsetImport() {
		if o.GetDomain() == "" || o.GetDomain() == "ai.onnx" {
			opset = int(o.GetVersion())
		}
	}
	attrs, err := nnConvertAttrs(pn.GetAttribute())
	if err != nil {
		return nil, err
	}

	// Graph inputs by name, with data from input_K.pb in graph-input order.
	data := make(map[string]*graphir.Tensor)
	for i, vi := range g.GetInput() {
		t, err := nnReadTensorFile(filepath.Join(dir, "test_data_set_0", fmt.Sprintf("input_%d.pb", i)))
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", vi.GetName(), err)
		}
		data[vi.GetName()] = t
	}
	for _, init := range g.GetInitializer() {
		t, err := nnConvertTensor(init)
		if err != nil {
			return nil, fmt.Errorf("initializer %q: %w", init.GetName(), err)
		}
		data[init.GetName()] = t
	}

	c := &nnNodeCase{node: &graphir.Node{Name: pn.GetName(), Op: op, Opset: opset, Attrs: attrs}}
	for i, name := range pn.GetInput() {
		if name == "" {
			c.node.Inputs = append(c.node.Inputs, nil)
			c.inputs = append(c.inputs, nil)
			continue
		}
		t, ok := data[name]
		if !ok {
			return nil, fmt.Errorf("node input %q has no data", name)
		}
		v := &graphir.Value{Name: name, DType: t.DType, Shape: t.Shape.Clone()}
		if i > 0 {
			v.Const = t
		}
		c.node.Inputs = append(c.node.Inputs, v)
		c.inputs = append(c.inputs, t)
	}
	outIndex := make(map[string]int)
	for i, vi := range g.GetOutput() {
		outIndex[vi.GetName()] = i
	}
	for _, name := range pn.GetOutput() {
		if name == "" {
			c.node.Outputs = append(c.node.Outputs, nil)
			c.want = append(c.want, nil)
			continue
		}
		c.node.Outputs = append(c.node.Outputs, &graphir.Value{Name: name})
		k, ok := outIndex[name]
		if !ok {
			c.want = append(c.want, nil)
			continue
		}
		t, err := nnReadTensorFile(filepath.Join(dir, "test_data_set_0", fmt.Sprintf("output_%d.pb", k)))
		if err != nil {
			return nil, fmt.Errorf("output %q: %w", name, err)
		}
		c.want = append(c.want, t)
	}
	return c, nil
}

func nnConvertAttrs(in []*onnxpb.AttributeProto) (graphir.Attrs, error) {
	a := graphir.Attrs{}
	for _, p := range in {
		switch p.GetType() {
		case onnxpb.AttributeProto_FLOAT:
			a[p.GetName()] = graphir.Attr{Kind: graphir.AttrFloat, Float: p.GetF()}
		case onnxpb.AttributeProto_INT:
			a[p.GetName()] = graphir.Attr{Kind: graphir.AttrInt, Int: p.GetI()}
		case onnxpb.AttributeProto_STRING:
			a[p.GetName()] = graphir.Attr{Kind: graphir.AttrString, Str: string(p.GetS())}
		case onnxpb.AttributeProto_FLOATS:
			a[p.GetName()] = graphir.Attr{Kind: graphir.AttrFloats, Floats: p.GetFloats()}
		case onnxpb.AttributeProto_INTS:
			a[p.GetName()] = graphir.Attr{Kind: graphir.AttrInts, Ints: p.GetInts()}
		case onnxpb.AttributeProto_STRINGS:
			var ss []string
			for _, s := range p.GetStrings() {
				ss = append(ss, string(s))
			}
			a[p.GetName()] = graphir.Attr{Kind: graphir.AttrStrings, Strs: ss}
		case onnxpb.AttributeProto_TENSOR:
			t, err := nnConvertTensor(p.GetT())
			if err != nil {
				return nil, fmt.Errorf("attribute %q: %w", p.GetName(), err)
			}
			a[p.GetName()] = graphir.Attr{Kind: graphir.AttrTensor, Tensor: t}
		default:
			return nil, fmt.Errorf("attribute %q has unsupported type %s", p.GetName(), p.GetType())
		}
	}
	return a, nil
}

func nnReadTensorFile(path string) (*graphir.Tensor, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var tp onnxpb.TensorProto
	if err := proto.Unmarshal(raw, &tp); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return nnConvertTensor(&tp)
}

// nnConvertTensor turns FLOAT, INT64 and INT32 tensors into graphir tensors.
func nnConvertTensor(tp *onnxpb.TensorProto) (*graphir.Tensor, error) {
	shape := make(graphir.Shape, len(tp.GetDims()))
	for i, d := range tp.GetDims() {
		shape[i] = int(d)
	}
	n := shape.Size()
	rawData := tp.GetRawData()
	switch onnxpb.TensorProto_DataType(tp.GetDataType()) {
	case onnxpb.TensorProto_FLOAT:
		f := tp.GetFloatData()
		if rawData != nil {
			f = make([]float32, len(rawData)/4)
			for i := range f {
				f[i] = math.Float32frombits(binary.LittleEndian.Uint32(rawData[4*i:]))
			}
		}
		if len(f) != n {
			return nil, fmt.Errorf("float tensor of shape %v has %d values", shape, len(f))
		}
		return graphir.FromFloats(shape, append([]float32{}, f...)), nil
	case onnxpb.TensorProto_INT64:
		v := tp.GetInt64Data()
		if rawData != nil {
			v = make([]int64, len(rawData)/8)
			for i := range v {
				v[i] = int64(binary.LittleEndian.Uint64(rawData[8*i:]))
			}
		}
		if len(v) != n {
			return nil, fmt.Errorf("int64 tensor of shape %v has %d values", shape, len(v))
		}
		return graphir.FromInts(shape, append([]int64{}, v...)), nil
	case onnxpb.TensorProto_INT32:
		v := make([]int64, 0, n)
		if rawData != nil {
			for i := 0; i+4 <= len(rawData); i += 4 {
				v = append(v, int64(int32(binary.LittleEndian.Uint32(rawData[i:]))))
			}
		} else {
			for _, x := range tp.GetInt32Data() {
				v = append(v, int64(x))
			}
		}
		if len(v) != n {
			return nil, fmt.Errorf("int32 tensor of shape %v has %d values", shape, len(v))
		}
		return graphir.FromInts(shape, v), nil
	}
	return nil, fmt.Errorf("%w %s", nnErrUnsupportedData, onnxpb.TensorProto_DataType(tp.GetDataType()))
}

// nnRunNodeCase loads and runs one case. A non-nil skip names why the case is
// out of scope (data type, unsupported attribute); err is a real failure.
func nnRunNodeCase(dir string) (skip string, err error) {
	c, err := nnLoadNodeCase(dir)
	if errors.Is(err, nnErrUnsupportedData) {
		return err.Error(), nil
	}
	if err != nil {
		return "", err
	}
	for i, in := range c.inputs {
		if in != nil && in.DType != graphir.Float32 && i == 0 {
			return "input 0 is " + in.DType.String(), nil
		}
	}
	if err := graphir.InferNode(c.node); err != nil {
		if strings.Contains(err.Error(), "not supported") {
			return err.Error(), nil
		}
		return "", fmt.Errorf("infer: %w", err)
	}
	got, err := Run(c.node, c.inputs)
	if err != nil {
		return "", fmt.Errorf("run: %w", err)
	}
	for i, want := range c.want {
		if want == nil {
			continue
		}
		if err := nnCompare(got[i], want, 1e-4); err != nil {
			return "", fmt.Errorf("output %d: %w", i, err)
		}
	}
	return "", nil
}

// nnCompare checks shape and max|got-want| <= tol*max(1, max|want|).
func nnCompare(got, want *graphir.Tensor, tol float64) error {
	if !got.Shape.Equal(want.Shape) {
		return fmt.Errorf("shape %v, want %v", got.Shape, want.Shape)
	}
	if got.DType != want.DType {
		return fmt.Errorf("type %s, want %s", got.DType, want.DType)
	}
	if want.DType == graphir.Int64 {
		for i := range want.I {
			if got.I[i] != want.I[i] {
				return fmt.Errorf("element %d is %d, want %d", i, got.I[i], want.I[i])
			}
		}
		return nil
	}
	scale := 1.0
	for _, w := range want.F {
		if !math.IsInf(float64(w), 0) {
			scale = math.Max(scale, math.Abs(float64(w)))
		}
	}
	worst, at := 0.0, -1
	for i := range want.F {
		g, w := float64(got.F[i]), float64(want.F[i])
		d := math.Abs(g - w)
		switch {
		case g == w || (math.IsNaN(g) && math.IsNaN(w)):
			d = 0 // equal, including equal infinities
		case math.IsNaN(d):
			d = math.Inf(1)
		}
		if d > worst {
			worst, at = d, i
		}
	}
	if worst > tol*scale {
		return fmt.Errorf("element %d is %g, want %g (max error %g, allowed %g)", at, got.F[at], want.F[at], worst, tol*scale)
	}
	return nil
}

// nnNodeOps are the ops whose conformance cases this package's nn kernels own.
var nnNodeOps = []string{
	"Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
	"BatchNormalization", "InstanceNormalization", "LRN", "Gemm", "MatMul",
	"Softmax", "LogSoftmax", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceProd",
	"Resize", "Upsample", "SpaceToDepth", "DepthToSpace",
}

// nnExpectedSkips lists the cases that are out of scope, so that a case
// skipping for any other reason is a failure.
var nnExpectedSkips = map[string]string{
	"test_maxpool_2d_uint8":                           "uint8 data",
	"test_reduce_max_bool_inputs":                     "bool data",
	"test_maxpool_with_argmax_2d_precomputed_pads":    "MaxPool Indices output",
	"test_maxpool_with_argmax_2d_precomputed_strides": "MaxPool Indices output",
	"test_convtranspose_3d":                           "3-d convolution",
}

func TestNodeCases_NN(t *testing.T) {
	root := nnNodeTestRoot()
	if root == "" {
		t.Skip("shared/onnx-node-tests not found; set EDGECTL_NODE_TESTS")
	}
	raw, err := os.ReadFile(filepath.Join(root, "index.json"))
	if err != nil {
		t.Fatalf("conformance index: %v", err)
	}
	var index map[string][]string
	if err := json.Unmarshal(raw, &index); err != nil {
		t.Fatalf("index.json: %v", err)
	}
	for _, op := range nnNodeOps {
		for _, name := range index[op] {
			t.Run(name, func(t *testing.T) {
				skip, err := nnRunNodeCase(filepath.Join(root, name))
				if err != nil {
					t.Fatal(err)
				}
				if skip != "" {
					if _, ok := nnExpectedSkips[name]; !ok {
						t.Fatalf("unexpected skip: %s", skip)
					}
					t.Skip(skip)
				}
				if _, ok := nnExpectedSkips[name]; ok {
					t.Fatalf("case passes but is listed as skipped")
				}
			})
		}
	}
}
