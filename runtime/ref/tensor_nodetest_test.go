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

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer/onnxpb"
	"github.com/edgectl/edgectl/internal/testenv"
	"google.golang.org/protobuf/proto"
)

// This file runs the ONNX backend conformance cases (shared/onnx-node-tests)
// against graphir shape inference and the reference kernels, without the
// importer: it decodes the one-node model, binds inputs, runs InferNode and
// the kernel, and compares with the expected outputs.

// tensorConstSlots lists, per op, the input slots that edgectl needs
// constant; a graph input feeding one of them is bound as a constant so that
// Infer can read it. Other graph inputs stay computed values.
var tensorConstSlots = map[graphir.Op][]int{
	graphir.OpClip:            {1, 2},
	graphir.OpSplit:           {1},
	graphir.OpSlice:           {1, 2, 3, 4},
	graphir.OpPad:             {1, 2, 3},
	graphir.OpReshape:         {1},
	graphir.OpSqueeze:         {1},
	graphir.OpUnsqueeze:       {1},
	graphir.OpExpand:          {1},
	graphir.OpTile:            {1},
	graphir.OpConstantOfShape: {0},
	graphir.OpRange:           {0, 1, 2},
	graphir.OpDropout:         {1, 2},
}

// tensorCaseOpts tunes how a case is loaded.
type tensorCaseOpts struct {
	// constSlots overrides tensorConstSlots when not nil.
	constSlots map[graphir.Op][]int
	// widenInts loads int8..int32 and uint8..uint32 data as int64, to check
	// integer semantics on cases whose type edgectl does not support.
	widenInts bool
}

// tensorCaseSkip is the reason a case cannot run on edgectl's data types.
type tensorCaseSkip struct{ reason string }

func (s tensorCaseSkip) Error() string { return s.reason }

// tensorCase is one decoded conformance case.
type tensorCase struct {
	node   *graphir.Node
	inputs []*graphir.Tensor // per node input slot, nil when omitted
	want   []*graphir.Tensor // per graph output
	// outSkip names an output type edgectl cannot hold; Infer must reject
	// such a case.
	outSkip string
}

// tensorCaseRoot is the shared folder's onnx-node-tests (testenv policy:
// missing fails under CI, skips elsewhere).
func tensorCaseRoot(t testing.TB) string {
	return testenv.SharedPath(t, "onnx-node-tests")
}

// tensorCaseIndex reads index.json: ONNX op type to case names.
func tensorCaseIndex(t *testing.T, root string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx map[string][]string
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatalf("index.json: %v", err)
	}
	return idx
}

// runTensorCase runs the case in dir; it skips, naming the reason, when
// the case uses data types edgectl does not support.
func runTensorCase(t *testing.T, dir string, opts tensorCaseOpts) {
	t.Helper()
	c, err := loadTensorCase(dir, opts)
	var skip tensorCaseSkip
	if errors.As(err, &skip) {
		t.Skip(skip.reason)
	}
	if err != nil {
		t.Fatal(err)
	}
	if c.node.Op == graphir.OpCast {
		// edgectl holds float32 and int64 only (ONNX types 1 and 7): a cast
		// to any other type is refused at import, by design.
		if to := c.node.Attrs["to"].Int; to != 1 && to != 7 {
			if err := graphir.InferNode(c.node); err == nil {
				t.Fatalf("infer accepted a cast to ONNX type %d", to)
			}
			t.Skipf("cast to ONNX type %d: edgectl holds float32 and int64 only", to)
		}
	}
	if err := graphir.InferNode(c.node); err != nil {
		if c.outSkip != "" {
			t.Skipf("%s (infer: %v)", c.outSkip, err)
		}
		t.Fatalf("infer: %v", err)
	}
	if c.outSkip != "" {
		t.Fatalf("infer accepted a case with %s", c.outSkip)
	}
	for i, w := range c.want {
		o := c.node.Outputs[i]
		if o.DType != w.DType || !o.Shape.Equal(w.Shape) {
			t.Fatalf("output %d inferred %s%v, want %s%v", i, o.DType, o.Shape, w.DType, w.Shape)
		}
	}
	// Normalised attributes must read back the same.
	if err := graphir.InferNode(c.node); err != nil {
		t.Fatalf("second infer: %v", err)
	}
	for i, w := range c.want {
		if o := c.node.Outputs[i]; !o.Shape.Equal(w.Shape) {
			t.Fatalf("second infer changed output %d to %v", i, o.Shape)
		}
	}
	got, err := Run(c.node, c.inputs)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for i, w := range c.want {
		if err := tensorCaseCompare(got[i], w); err != nil {
			t.Errorf("output %d: %v", i, err)
		}
	}
}

// tensorCaseCompare checks got against want within
// max|got-want| <= 1e-4*max(1, max|want|); int64 must match exactly.
func tensorCaseCompare(got, want *graphir.Tensor) error {
	if got.DType != want.DType || !got.Shape.Equal(want.Shape) {
		return fmt.Errorf("got %s%v, want %s%v", got.DType, got.Shape, want.DType, want.Shape)
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
		if a := math.Abs(float64(w)); a > scale && !math.IsInf(a, 0) {
			scale = a
		}
	}
	for i, w := range want.F {
		g := got.F[i]
		switch {
		case math.IsNaN(float64(w)):
			if !math.IsNaN(float64(g)) {
				return fmt.Errorf("element %d is %g, want NaN", i, g)
			}
		case math.IsInf(float64(w), 0):
			if g != w {
				return fmt.Errorf("element %d is %g, want %g", i, g, w)
			}
		case math.Abs(float64(g)-float64(w)) > 1e-4*scale || math.IsNaN(float64(g)):
			return fmt.Errorf("element %d is %g, want %g", i, g, w)
		}
	}
	return nil
}

// loadTensorCase decodes dir/model.onnx and test_data_set_0.
func loadTensorCase(dir string, opts tensorCaseOpts) (*tensorCase, error) {
	var m onnxpb.ModelProto
	if err := tensorCaseReadProto(filepath.Join(dir, "model.onnx"), &m); err != nil {
		return nil, err
	}
	g := m.GetGraph()
	if len(g.GetNode()) != 1 {
		return nil, fmt.Errorf("model has %d nodes, want 1", len(g.GetNode()))
	}
	pn := g.GetNode()[0]
	op, ok := graphir.ParseOp(pn.GetOpType())
	if !ok || (pn.GetDomain() != "" && pn.GetDomain() != "ai.onnx") {
		return nil, fmt.Errorf("unknown op %s.%s", pn.GetDomain(), pn.GetOpType())
	}
	n := &graphir.Node{Name: pn.GetName(), Op: op}
	for _, o := range m.GetOpsetImport() {
		if o.GetDomain() == "" || o.GetDomain() == "ai.onnx" {
			n.Opset = int(o.GetVersion())
		}
	}
	attrs, err := tensorCaseAttrs(pn, opts)
	if err != nil {
		return nil, err
	}
	n.Attrs = attrs

	values := map[string]*graphir.Value{}
	for _, init := range g.GetInitializer() {
		t, err := tensorCaseTensor(init, opts)
		if err != nil {
			return nil, fmt.Errorf("initializer %q: %w", init.GetName(), err)
		}
		values[init.GetName()] = &graphir.Value{Name: init.GetName(), DType: t.DType, Shape: t.Shape, Const: t}
	}
	data := map[string]*graphir.Tensor{}
	k := 0
	for _, vi := range g.GetInput() {
		if values[vi.GetName()] != nil {
			continue
		}
		if err := tensorCaseValueType(vi); err != nil {
			return nil, err
		}
		t, err := tensorCaseLoadTensor(filepath.Join(dir, "test_data_set_0", fmt.Sprintf("input_%d.pb", k)), opts)
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", vi.GetName(), err)
		}
		k++
		data[vi.GetName()] = t
		values[vi.GetName()] = &graphir.Value{Name: vi.GetName(), DType: t.DType, Shape: t.Shape}
	}

	slots := opts.constSlots
	if slots == nil {
		slots = tensorConstSlots
	}
	c := &tensorCase{node: n}
	for i, name := range pn.GetInput() {
		if name == "" {
			n.Inputs = append(n.Inputs, nil)
			c.inputs = append(c.inputs, nil)
			continue
		}
		v := values[name]
		if v == nil {
			return nil, fmt.Errorf("node input %q is not a graph input", name)
		}
		if t := data[name]; t != nil && tensorCaseHasSlot(slots[op], i) {
			v.Const = t
		}
		n.Inputs = append(n.Inputs, v)
		if v.Const != nil {
			c.inputs = append(c.inputs, v.Const)
		} else {
			c.inputs = append(c.inputs, data[name])
		}
	}
	for _, name := range pn.GetOutput() {
		if name == "" {
			n.Outputs = append(n.Outputs, nil)
			continue
		}
		n.Outputs = append(n.Outputs, &graphir.Value{Name: name})
	}
	for i, vo := range g.GetOutput() {
		if vo.GetName() != pn.GetOutput()[i] {
			return nil, fmt.Errorf("graph output %d %q is not node output %d", i, vo.GetName(), i)
		}
		if err := tensorCaseValueType(vo); err != nil {
			return nil, err
		}
		t, err := tensorCaseLoadTensor(filepath.Join(dir, "test_data_set_0", fmt.Sprintf("output_%d.pb", i)), opts)
		var skip tensorCaseSkip
		if errors.As(err, &skip) {
			c.outSkip = skip.reason
			break
		}
		if err != nil {
			return nil, fmt.Errorf("output %q: %w", vo.GetName(), err)
		}
		c.want = append(c.want, t)
	}
	return c, nil
}

func tensorCaseHasSlot(slots []int, i int) bool {
	for _, s := range slots {
		if s == i {
			return true
		}
	}
	return false
}

func tensorCaseReadProto(path string, m proto.Message) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(b, m); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// tensorCaseValueType skips values that are not tensors (sequences,
// optionals, maps).
func tensorCaseValueType(vi *onnxpb.ValueInfoProto) error {
	tp := vi.GetType()
	switch {
	case tp.GetTensorType() != nil:
		return nil
	case tp.GetSequenceType() != nil:
		return tensorCaseSkip{"unsupported data type sequence"}
	case tp.GetOptionalType() != nil:
		return tensorCaseSkip{"unsupported data type optional"}
	case tp.GetMapType() != nil:
		return tensorCaseSkip{"unsupported data type map"}
	}
	return tensorCaseSkip{fmt.Sprintf("unsupported data type of %q", vi.GetName())}
}

func tensorCaseLoadTensor(path string, opts tensorCaseOpts) (*graphir.Tensor, error) {
	var tp onnxpb.TensorProto
	if err := tensorCaseReadProto(path, &tp); err != nil {
		return nil, err
	}
	return tensorCaseTensor(&tp, opts)
}

// tensorCaseTensor converts a TensorProto (raw_data little-endian, or the
// typed fields) to float32 or int64.
func tensorCaseTensor(tp *onnxpb.TensorProto, opts tensorCaseOpts) (*graphir.Tensor, error) {
	if tp.GetDataLocation() == onnxpb.TensorProto_EXTERNAL {
		return nil, fmt.Errorf("external data is not supported")
	}
	shape := make(graphir.Shape, len(tp.GetDims()))
	for i, d := range tp.GetDims() {
		if d < 0 {
			return nil, fmt.Errorf("negative dimension in %v", tp.GetDims())
		}
		shape[i] = int(d)
	}
	size := shape.Size()
	raw := tp.GetRawData()
	dt := onnxpb.TensorProto_DataType(tp.GetDataType())
	var t *graphir.Tensor
	switch {
	case dt == onnxpb.TensorProto_FLOAT:
		t = graphir.NewTensor(graphir.Float32, shape)
		if raw == nil {
			t.F = append([]float32(nil), tp.GetFloatData()...)
			break
		}
		if len(raw) != 4*size {
			return nil, fmt.Errorf("raw data has %d bytes for %d float32", len(raw), size)
		}
		for i := range t.F {
			t.F[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case dt == onnxpb.TensorProto_INT64:
		t = graphir.NewTensor(graphir.Int64, shape)
		if raw == nil {
			t.I = append([]int64(nil), tp.GetInt64Data()...)
			break
		}
		if len(raw) != 8*size {
			return nil, fmt.Errorf("raw data has %d bytes for %d int64", len(raw), size)
		}
		for i := range t.I {
			t.I[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
		}
	case opts.widenInts && tensorCaseIntSize[dt] != 0:
		t = graphir.NewTensor(graphir.Int64, shape)
		if err := tensorCaseWiden(t.I, tp, dt); err != nil {
			return nil, err
		}
	default:
		return nil, tensorCaseSkip{"unsupported data type " + strings.ToLower(dt.String())}
	}
	if err := t.Check(); err != nil {
		return nil, err
	}
	return t, nil
}

// tensorCaseIntSize is the byte size of the integer types widenInts reads;
// negative sizes are unsigned.
var tensorCaseIntSize = map[onnxpb.TensorProto_DataType]int{
	onnxpb.TensorProto_INT8: 1, onnxpb.TensorProto_INT16: 2, onnxpb.TensorProto_INT32: 4,
	onnxpb.TensorProto_UINT8: -1, onnxpb.TensorProto_UINT16: -2, onnxpb.TensorProto_UINT32: -4,
}

func tensorCaseWiden(dst []int64, tp *onnxpb.TensorProto, dt onnxpb.TensorProto_DataType) error {
	raw := tp.GetRawData()
	size := tensorCaseIntSize[dt]
	if raw == nil {
		src := tp.GetInt32Data()
		if dt == onnxpb.TensorProto_UINT32 {
			u := tp.GetUint64Data()
			if len(u) != len(dst) {
				return fmt.Errorf("has %d values for %d elements", len(u), len(dst))
			}
			for i, v := range u {
				dst[i] = int64(v)
			}
			return nil
		}
		if len(src) != len(dst) {
			return fmt.Errorf("has %d values for %d elements", len(src), len(dst))
		}
		for i, v := range src {
			dst[i] = int64(v)
		}
		return nil
	}
	width := max(size, -size)
	if len(raw) != width*len(dst) {
		return fmt.Errorf("raw data has %d bytes for %d elements", len(raw), len(dst))
	}
	for i := range dst {
		b := raw[width*i:]
		switch size {
		case 1:
			dst[i] = int64(int8(b[0]))
		case 2:
			dst[i] = int64(int16(binary.LittleEndian.Uint16(b)))
		case 4:
			dst[i] = int64(int32(binary.LittleEndian.Uint32(b)))
		case -1:
			dst[i] = int64(b[0])
		case -2:
			dst[i] = int64(binary.LittleEndian.Uint16(b))
		case -4:
			dst[i] = int64(binary.LittleEndian.Uint32(b))
		}
	}
	return nil
}

// tensorCaseAttrs converts the node's attributes.
func tensorCaseAttrs(pn *onnxpb.NodeProto, opts tensorCaseOpts) (graphir.Attrs, error) {
	attrs := graphir.Attrs{}
	for _, a := range pn.GetAttribute() {
		var v graphir.Attr
		switch a.GetType() {
		case onnxpb.AttributeProto_FLOAT:
			v = graphir.Attr{Kind: graphir.AttrFloat, Float: a.GetF()}
		case onnxpb.AttributeProto_INT:
			v = graphir.Attr{Kind: graphir.AttrInt, Int: a.GetI()}
		case onnxpb.AttributeProto_STRING:
			v = graphir.Attr{Kind: graphir.AttrString, Str: string(a.GetS())}
		case onnxpb.AttributeProto_FLOATS:
			v = graphir.Attr{Kind: graphir.AttrFloats, Floats: a.GetFloats()}
		case onnxpb.AttributeProto_INTS:
			v = graphir.Attr{Kind: graphir.AttrInts, Ints: a.GetInts()}
		case onnxpb.AttributeProto_STRINGS:
			strs := make([]string, len(a.GetStrings()))
			for i, s := range a.GetStrings() {
				strs[i] = string(s)
			}
			v = graphir.Attr{Kind: graphir.AttrStrings, Strs: strs}
		case onnxpb.AttributeProto_TENSOR:
			t, err := tensorCaseTensor(a.GetT(), opts)
			if err != nil {
				return nil, fmt.Errorf("attribute %q: %w", a.GetName(), err)
			}
			v = graphir.Attr{Kind: graphir.AttrTensor, Tensor: t}
		default:
			return nil, tensorCaseSkip{fmt.Sprintf("unsupported attribute type %s of %q", a.GetType(), a.GetName())}
		}
		attrs[a.GetName()] = v
	}
	return attrs, nil
}
