package zoo

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/importer/onnxpb"
	"google.golang.org/protobuf/proto"
)

// zooModels is what each model must look like. params is torchvision's
// count (BN running statistics are buffers, not parameters); floats counts
// every initializer value, which for the YOLOs is darknet's .weights count
// (biases, scales, rolling mean and variance, weights).
var zooModels = []struct {
	name          string
	nodes         int
	ops           map[string]int
	params        int64
	floats        int64
	input, output []int64
	big           bool // byte-level checks skipped under -short
}{
	{
		name: "densenet121", nodes: 431, params: 7_978_856, floats: 8_062_504,
		ops: map[string]int{"Conv": 120, "BatchNormalization": 121, "Relu": 121, "Concat": 62,
			"MaxPool": 1, "AveragePool": 3, "GlobalAveragePool": 1, "Flatten": 1, "Gemm": 1},
		input: []int64{1, 3, 224, 224}, output: []int64{1, 1000},
	},
	{
		name: "mobilenet_v2", nodes: 222, params: 3_504_872, floats: 3_538_984,
		ops: map[string]int{"Conv": 52, "BatchNormalization": 52, "Clip": 35, "Constant": 70, "Add": 10,
			"GlobalAveragePool": 1, "Flatten": 1, "Gemm": 1},
		input: []int64{1, 3, 224, 224}, output: []int64{1, 1000},
	},
	{
		name: "resnet18", nodes: 69, params: 11_689_512, floats: 11_699_112,
		ops: map[string]int{"Conv": 20, "BatchNormalization": 20, "Relu": 17, "Add": 8,
			"MaxPool": 1, "GlobalAveragePool": 1, "Flatten": 1, "Gemm": 1},
		input: []int64{1, 3, 224, 224}, output: []int64{1, 1000},
	},
	{
		name: "resnet50", nodes: 175, params: 25_557_032, floats: 25_610_152,
		ops: map[string]int{"Conv": 53, "BatchNormalization": 53, "Relu": 49, "Add": 16,
			"MaxPool": 1, "GlobalAveragePool": 1, "Flatten": 1, "Gemm": 1},
		input: []int64{1, 3, 224, 224}, output: []int64{1, 1000},
	},
	{
		name: "tiny-yolov2", nodes: 48, params: 15_861_773, floats: 15_867_885,
		ops: map[string]int{"Conv": 9, "BatchNormalization": 8, "LeakyRelu": 8, "MaxPool": 6,
			"Constant": 9, "ConstantOfShape": 1, "Concat": 1, "Reshape": 2, "Slice": 1,
			"Transpose": 1, "Cast": 1, "Pad": 1},
		input: []int64{1, 3, 416, 416}, output: []int64{1, 125, 13, 13},
	},
	{
		name: "vgg16", nodes: 38, params: 138_357_544, floats: 138_357_544,
		ops:   map[string]int{"Conv": 13, "Relu": 15, "MaxPool": 5, "AveragePool": 1, "Flatten": 1, "Gemm": 3},
		input: []int64{1, 3, 224, 224}, output: []int64{1, 1000}, big: true,
	},
	{
		name: "yolov2", nodes: 78, params: 50_655_389, floats: 50_676_061,
		ops: map[string]int{"Conv": 23, "BatchNormalization": 22, "LeakyRelu": 22, "MaxPool": 5,
			"Constant": 2, "Reshape": 2, "Transpose": 1, "Concat": 1},
		input: []int64{1, 3, 416, 416}, output: []int64{1, 125, 13, 13}, big: true,
	},
	{
		// Ultralytics reports 3,157,200 parameters for yolov8n.pt (the DFL
		// conv's 16 fixed weights included).
		name: "yolov8n", nodes: 309, params: 3_157_200, floats: 3_167_792,
		ops: map[string]int{"Conv": 64, "BatchNormalization": 57, "Sigmoid": 58, "Mul": 58, "Add": 8,
			"Split": 10, "Concat": 19, "MaxPool": 3, "Resize": 2, "Constant": 20, "Reshape": 5,
			"Transpose": 1, "Softmax": 1, "Sub": 2, "Div": 1},
		input: []int64{1, 3, 640, 640}, output: []int64{1, 84, 8400},
	},
}

func TestNames(t *testing.T) {
	var want []string
	for _, m := range zooModels {
		want = append(want, m.name)
	}
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
}

func TestBuild_UnknownName(t *testing.T) {
	_, err := Build("vgg19", 1)
	if err == nil {
		t.Fatal("Build(vgg19): no error")
	}
	werr := Write(io.Discard, "vgg19", 1)
	for _, e := range []error{err, werr} {
		if e == nil || !strings.Contains(e.Error(), `"vgg19"`) {
			t.Errorf("error %v does not name the model", e)
			continue
		}
		for _, n := range Names() {
			if !strings.Contains(e.Error(), n) {
				t.Errorf("error %q does not list %s", e, n)
			}
		}
	}
}

func TestScope(t *testing.T) {
	for _, tc := range []struct{ qual, want string }{
		{"", ""},
		{"conv1", "/conv1"},
		{"features.0", "/features/features.0"},
		{"features.1.conv.0.0", "/features/features.1/conv/conv.0/conv.0.0"},
		{"layer1.0.relu_1", "/layer1/layer1.0/relu_1"},
		{"features.denseblock1.denselayer1.norm1", "/features/denseblock1/denselayer1/norm1"},
	} {
		if got := scope(tc.qual); got != tc.want {
			t.Errorf("scope(%q) = %q, want %q", tc.qual, got, tc.want)
		}
	}
}

// TestSpec_Structure checks each graph without drawing weights.
func TestSpec_Structure(t *testing.T) {
	for _, tc := range zooModels {
		t.Run(tc.name, func(t *testing.T) {
			s, err := newSpec(tc.name, 1, Options{})
			if err != nil {
				t.Fatal(err)
			}
			m, g := s.model, s.model.Graph
			if m.IrVersion != 8 || m.ProducerName != "edgectl-zoo" || len(m.OpsetImport) != 1 ||
				m.OpsetImport[0].Domain != "" || m.OpsetImport[0].Version != 13 {
				t.Errorf("model header: ir %d producer %q opset %v", m.IrVersion, m.ProducerName, m.OpsetImport)
			}
			if len(g.Node) != tc.nodes {
				t.Errorf("nodes = %d, want %d", len(g.Node), tc.nodes)
			}
			ops := map[string]int{}
			for _, n := range g.Node {
				ops[n.OpType]++
			}
			if fmt.Sprint(ops) != fmt.Sprint(tc.ops) {
				t.Errorf("ops = %v\nwant %v", ops, tc.ops)
			}
			var params, floats int64
			for i := range s.params {
				n := s.params[i].numel()
				floats += n
				if s.params[i].trainable() {
					params += n
				}
			}
			if params != tc.params || floats != tc.floats {
				t.Errorf("params = %d, floats = %d; want %d, %d", params, floats, tc.params, tc.floats)
			}
			if len(g.Input) != 1 || g.Input[0].Name != "input" || !sameShape(dims(g.Input[0]), tc.input) {
				t.Errorf("input = %v", g.Input)
			}
			if len(g.Output) != 1 || g.Output[0].Name != "output" || !sameShape(dims(g.Output[0]), tc.output) {
				t.Errorf("output = %v", g.Output)
			}
			if len(g.ValueInfo) != 0 {
				t.Errorf("value_info has %d entries, want none", len(g.ValueInfo))
			}
			checkWiring(t, g, s.params, false)
		})
	}
}

func dims(v *onnxpb.ValueInfoProto) []int64 {
	var out []int64
	for _, d := range v.GetType().GetTensorType().GetShape().GetDim() {
		out = append(out, d.GetDimValue())
	}
	return out
}

// checkWiring checks that the nodes are in topological order, every value
// has one producer, names follow the exporter's pattern (the dynamo one's
// with dynamo) and every initializer is used.
func checkWiring(t *testing.T, g *onnxpb.GraphProto, params []param, dynamo bool) {
	t.Helper()
	defined := map[string]bool{"input": true}
	used := map[string]bool{}
	for i := range params {
		if defined[params[i].name] {
			t.Errorf("initializer %s defined twice", params[i].name)
		}
		defined[params[i].name] = true
	}
	names := map[string]bool{}
	for _, n := range g.Node {
		if names[n.Name] {
			t.Errorf("node name %s used twice", n.Name)
		}
		names[n.Name] = true
		if dynamo {
			if !dynamoNamed(n) {
				t.Errorf("node %s (%s) -> %v is not named like the dynamo exporter names it", n.Name, n.OpType, n.Output)
			}
		} else {
			op := n.Name[strings.LastIndex(n.Name, "/")+1:]
			if !strings.HasPrefix(n.Name, "/") || strings.TrimRight(strings.TrimRight(op, "0123456789"), "_") != n.OpType {
				t.Errorf("node %s (%s) is not named like the exporter names it", n.Name, n.OpType)
			}
		}
		for _, in := range n.Input {
			if in == "" {
				continue // an omitted optional input
			}
			if !defined[in] {
				t.Errorf("node %s: input %s not defined before", n.Name, in)
			}
			used[in] = true
		}
		for _, out := range n.Output {
			if defined[out] {
				t.Errorf("node %s: output %s defined twice", n.Name, out)
			}
			defined[out] = true
		}
	}
	if !defined["output"] {
		t.Error("no node produces output")
	}
	for i := range params {
		if !used[params[i].name] {
			t.Errorf("initializer %s unused", params[i].name)
		}
	}
}

// TestWrite checks, per model, that Write is deterministic, decodes, and
// equals proto.Marshal of Build; and that Build's weights lie in range.
func TestWrite(t *testing.T) {
	t.Parallel() // memory-bound; overlaps with the executor runs
	for _, tc := range zooModels {
		t.Run(tc.name, func(t *testing.T) {
			if tc.big && testing.Short() {
				t.Skip("big model under -short")
			}
			s, err := newSpec(tc.name, 7, Options{})
			if err != nil {
				t.Fatal(err)
			}
			l, err := s.layout()
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			buf.Grow(int(l.size()))
			if err := Write(&buf, tc.name, 7); err != nil {
				t.Fatal(err)
			}
			if int64(buf.Len()) != l.size() {
				t.Errorf("wrote %d bytes, layout says %d", buf.Len(), l.size())
			}
			written := sha256.Sum256(buf.Bytes())
			var m onnxpb.ModelProto
			if err := proto.Unmarshal(buf.Bytes(), &m); err != nil {
				t.Fatalf("written model does not decode: %v", err)
			}
			buf = bytes.Buffer{}
			if len(m.Graph.GetNode()) != tc.nodes || len(m.Graph.GetOutput()) != 1 {
				t.Errorf("decoded graph: %d nodes, %d outputs", len(m.Graph.GetNode()), len(m.Graph.GetOutput()))
			}
			var floats int64
			for _, init := range m.Graph.GetInitializer() {
				floats += int64(len(init.RawData)) / 4
			}
			if floats != tc.floats {
				t.Errorf("decoded initializers hold %d floats, want %d", floats, tc.floats)
			}

			h := sha256.New()
			if err := Write(h, tc.name, 7); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(h.Sum(nil), written[:]) {
				t.Error("two writes with the same seed differ")
			}

			built, err := Build(tc.name, 7)
			if err != nil {
				t.Fatal(err)
			}
			checkWeights(t, built.Graph, s.params)
			b, err := proto.Marshal(built)
			if err != nil {
				t.Fatal(err)
			}
			if sha256.Sum256(b) != written {
				t.Error("Write differs from proto.Marshal(Build)")
			}
		})
	}
}

// checkWeights checks that the initializers are the spec's parameters in
// order, and that every value is finite and within its kind's bounds.
func checkWeights(t *testing.T, g *onnxpb.GraphProto, params []param) {
	t.Helper()
	if len(g.Initializer) != len(params) {
		t.Fatalf("%d initializers, want %d", len(g.Initializer), len(params))
	}
	for i, init := range g.Initializer {
		p := &params[i]
		if init.Name != p.name || init.DataType != int32(p.elemType()) ||
			!sameShape(init.Dims, p.dims) || int64(len(init.RawData)) != p.byteLen() {
			t.Errorf("initializer %d: %s type %d dims %v with %d raw bytes; want %s %v",
				i, init.Name, init.DataType, init.Dims, len(init.RawData), p.name, p.dims)
			continue
		}
		if !p.drawn() {
			if !bytes.Equal(init.RawData, p.data) {
				t.Errorf("initializer %s does not hold its fixed data", p.name)
			}
			continue
		}
		lo, hi := p.bounds()
		for j := 0; j < len(init.RawData); j += 4 {
			v := math.Float32frombits(binary.LittleEndian.Uint32(init.RawData[j:]))
			if !(v >= lo && v <= hi) {
				t.Errorf("%s[%d] = %g, outside [%g, %g]", p.name, j/4, v, lo, hi)
				break
			}
		}
	}
}

func TestWrite_WriterError(t *testing.T) {
	w := &failWriter{left: 1 << 20}
	err := Write(w, "resnet18", 1)
	if err == nil || !strings.Contains(err.Error(), "resnet18") || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Write to a failing writer: %v", err)
	}
}

type failWriter struct{ left int }

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		return 0, fmt.Errorf("disk full")
	}
	w.left -= len(p)
	return len(p), nil
}

func TestWrite_Seed(t *testing.T) {
	var a, b bytes.Buffer
	if err := Write(&a, "mobilenet_v2", 1); err != nil {
		t.Fatal(err)
	}
	if err := Write(&b, "mobilenet_v2", 2); err != nil {
		t.Fatal(err)
	}
	if a.Len() != b.Len() || bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("seeds 1 and 2: %d and %d bytes, equal=%v; want same size, different bytes",
			a.Len(), b.Len(), bytes.Equal(a.Bytes(), b.Bytes()))
	}
}

// TestParam_Stable pins the weight definition: a change here changes every
// model written with a given seed.
func TestParam_Stable(t *testing.T) {
	p := param{name: "layer1.0.conv1.weight", dims: []int64{64, 64, 3, 3}, kind: kindWeight, fanIn: 576}
	sum := sha256.Sum256(p.raw(42))
	const want = "c886b068e41b903b8ec79724ffa80c05fb550fb1d4d7c7502d9321be98d90509"
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("sha256 of drawn weights = %s, want %s", got, want)
	}
}

// TestParam_Scale checks the He scale: std sqrt(2/fan_in) and mean 0.
func TestParam_Scale(t *testing.T) {
	p := param{name: "w", dims: []int64{256, 256, 3, 3}, kind: kindWeight, fanIn: 256 * 9}
	raw := p.raw(1)
	var sum, sq float64
	n := float64(len(raw) / 4)
	for i := 0; i < len(raw); i += 4 {
		v := float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[i:])))
		sum += v
		sq += v * v
	}
	want := math.Sqrt(2 / float64(p.fanIn))
	std := math.Sqrt(sq/n - (sum/n)*(sum/n))
	if math.Abs(std/want-1) > 0.01 || math.Abs(sum/n) > 0.01*want {
		t.Errorf("mean %g std %g, want 0 and %g", sum/n, std, want)
	}
}

func ExampleNames() {
	fmt.Println(strings.Join(Names(), " "))
	// Output: densenet121 mobilenet_v2 resnet18 resnet50 tiny-yolov2 vgg16 yolov2 yolov8n
}

// BenchmarkWriteVGG16 streams the largest model, reporting MB/s.
func BenchmarkWriteVGG16(b *testing.B) {
	b.SetBytes(vgg16Size(b))
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(io.Discard, "vgg16", 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarshalBuildVGG16 is the naive way: draw everything, then marshal.
func BenchmarkMarshalBuildVGG16(b *testing.B) {
	b.SetBytes(vgg16Size(b))
	b.ReportAllocs()
	for b.Loop() {
		m, err := Build("vgg16", 1)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := proto.Marshal(m); err != nil {
			b.Fatal(err)
		}
	}
}

func vgg16Size(b *testing.B) int64 {
	s, err := newSpec("vgg16", 1, Options{})
	if err != nil {
		b.Fatal(err)
	}
	l, err := s.layout()
	if err != nil {
		b.Fatal(err)
	}
	return l.size()
}
