package importer

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer/onnxpb"
	"github.com/edgectl/edgectl/runtime/ref"
)

// runGraph evaluates g with the reference kernels (node by node).
func runGraph(t *testing.T, g *graphir.Graph, inputs map[string]*graphir.Tensor) map[string]*graphir.Tensor {
	t.Helper()
	vals := map[*graphir.Value]*graphir.Tensor{}
	for _, v := range g.Inputs {
		vals[v] = inputs[v.Name]
	}
	for _, n := range g.Nodes {
		ins := make([]*graphir.Tensor, len(n.Inputs))
		for i, v := range n.Inputs {
			if v != nil {
				if v.Const != nil {
					ins[i] = v.Const
				} else {
					ins[i] = vals[v]
				}
			}
		}
		outs, err := ref.Run(n, ins)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range n.Outputs {
			if v != nil {
				vals[v] = outs[i]
			}
		}
	}
	res := map[string]*graphir.Tensor{}
	for _, v := range g.Outputs {
		if v.Const != nil {
			res[v.Name] = v.Const
		} else {
			res[v.Name] = vals[v]
		}
	}
	return res
}

func randInput(shape graphir.Shape) *graphir.Tensor {
	t := graphir.NewTensor(graphir.Float32, shape)
	for i := range t.F {
		t.F[i] = float32(math.Sin(float64(i)*0.37)) * 2
	}
	return t
}

func TestDecode_FoldsBatchNormIntoConv(t *testing.T) {
	b := convBNRelu().bytes(t)
	folded, err := Decode(b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Decode(b, Options{KeepUnfolded: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range folded.Nodes {
		if n.Op == graphir.OpBatchNormalization {
			t.Fatalf("batch-norm was not folded: %v", folded.Nodes)
		}
	}
	if len(folded.Nodes) != 2 || len(plain.Nodes) != 3 {
		t.Fatalf("folded has %d nodes, unfolded %d; want 2 and 3", len(folded.Nodes), len(plain.Nodes))
	}
	in := map[string]*graphir.Tensor{"x": randInput(graphir.Shape{1, 3, 8, 8})}
	a, c := runGraph(t, folded, in)["y"], runGraph(t, plain, in)["y"]
	for i := range a.F {
		if d := math.Abs(float64(a.F[i] - c.F[i])); d > 1e-5 {
			t.Fatalf("folded differs from unfolded at %d: %v vs %v", i, a.F[i], c.F[i])
		}
	}
}

func TestDecode_KeepsBatchNormThatCannotFold(t *testing.T) {
	// Pre-activation BN (DenseNet): its input is a graph input, not a Conv.
	b := newMB(13)
	b.input("x", 1, 4, 5, 5)
	for _, n := range []string{"gamma", "beta", "mean"} {
		b.weight(n, -0.5, 0.5, 4)
	}
	b.weight("var", 0.5, 1.5, 4)
	b.node("BatchNormalization", []string{"x", "gamma", "beta", "mean", "var"}, []string{"y"})
	b.output("y")
	g, err := Decode(b.bytes(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 1 || g.Nodes[0].Op != graphir.OpBatchNormalization {
		t.Fatalf("want the batch-norm kept, got %v", g.Nodes)
	}
}

func TestDecode_DropsIdentityKeepingOutputName(t *testing.T) {
	b := newMB(13)
	b.input("x", 1, 2, 3, 3)
	b.node("Relu", []string{"x"}, []string{"r"})
	b.node("Identity", []string{"r"}, []string{"i"})
	b.node("Dropout", []string{"i"}, []string{"y"})
	b.output("y")
	g, err := Decode(b.bytes(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 1 || g.Nodes[0].Op != graphir.OpRelu || g.Outputs[0].Name != "y" || g.Nodes[0].Outputs[0] != g.Outputs[0] {
		t.Fatalf("want one Relu writing y, got %v outputs %q", g.Nodes, g.Outputs[0].Name)
	}
}

func TestDecode_FoldsShapeArithmetic(t *testing.T) {
	// Flatten as older exporters write it: Shape -> Gather -> Unsqueeze ->
	// Concat -> Reshape. Everything but the Reshape folds away.
	b := newMB(11)
	b.input("x", 1, 2, 3, 3)
	b.g.Initializer = append(b.g.Initializer,
		&onnxpb.TensorProto{Name: "zero", DataType: int32(onnxpb.TensorProto_INT64), Int64Data: []int64{0}},
		&onnxpb.TensorProto{Name: "minus1", Dims: []int64{1}, DataType: int32(onnxpb.TensorProto_INT64), Int64Data: []int64{-1}})
	b.node("Shape", []string{"x"}, []string{"s"})
	b.node("Gather", []string{"s", "zero"}, []string{"n"}, &onnxpb.AttributeProto{Name: "axis", Type: onnxpb.AttributeProto_INT, I: 0})
	b.node("Unsqueeze", []string{"n"}, []string{"n1"}, intsAttr("axes", 0))
	b.node("Concat", []string{"n1", "minus1"}, []string{"shape"}, &onnxpb.AttributeProto{Name: "axis", Type: onnxpb.AttributeProto_INT, I: 0})
	b.node("Reshape", []string{"x", "shape"}, []string{"y"})
	b.output("y")
	g, err := Decode(b.bytes(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != 1 || g.Nodes[0].Op != graphir.OpReshape || !g.Outputs[0].Shape.Equal(graphir.Shape{1, 18}) {
		t.Fatalf("want one Reshape to [1 18], got %v %v", g.Nodes, g.Outputs[0].Shape)
	}
}

func TestDecode_InitializerAlsoInput(t *testing.T) {
	b := newMB(13)
	b.input("x", 1, 2)
	b.input("bias", 1, 2) // declared as an input with a default value
	b.weight("bias", 1, 1, 1, 2)
	b.node("Add", []string{"x", "bias"}, []string{"y"})
	b.output("y")
	g, err := Decode(b.bytes(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Inputs) != 1 || g.Inputs[0].Name != "x" || g.Nodes[0].Inputs[1].Const == nil {
		t.Fatalf("want bias as a constant and x as the only input, got inputs %v", g.Inputs)
	}
}

func TestDecode_Float16Initializers(t *testing.T) {
	b := newMB(13)
	b.input("x", 4)
	raw := make([]byte, 8)
	halves := []uint16{0x3c00, 0xc000, 0x0001, 0x7bff} // 1, -2, smallest subnormal, 65504
	for i, h := range halves {
		binary.LittleEndian.PutUint16(raw[2*i:], h)
	}
	b.g.Initializer = append(b.g.Initializer, &onnxpb.TensorProto{Name: "h", Dims: []int64{4}, DataType: int32(onnxpb.TensorProto_FLOAT16), RawData: raw})
	b.node("Add", []string{"x", "h"}, []string{"y"})
	b.output("y")
	g, err := Decode(b.bytes(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := g.Nodes[0].Inputs[1].Const.F
	want := []float32{1, -2, float32(math.Ldexp(1, -24)), 65504}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("float16 %d: got %v want %v", i, got[i], want[i])
		}
	}
}

func TestHalfToFloat_AllValues(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		sign := 1.0
		if h&0x8000 != 0 {
			sign = -1
		}
		e, f := (h>>10)&0x1f, float64(h&0x3ff)
		var want float64
		switch {
		case e == 0:
			want = sign * math.Ldexp(f, -24)
		case e == 31 && f == 0:
			want = math.Inf(int(sign))
		case e == 31:
			want = math.NaN()
		default:
			want = sign * math.Ldexp(1+f/1024, e-15)
		}
		got := float64(halfToFloat(uint16(h)))
		if !(got == want || (math.IsNaN(got) && math.IsNaN(want))) {
			t.Fatalf("halfToFloat(%#04x) = %v, want %v", h, got, want)
		}
	}
}

func writeModel(t *testing.T, dir string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, "model.onnx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func externalModel(loc string, offset int, vals []float32) *mb {
	b := newMB(13)
	b.input("x", int64(len(vals)))
	b.g.Initializer = append(b.g.Initializer, &onnxpb.TensorProto{
		Name: "w", Dims: []int64{int64(len(vals))}, DataType: int32(onnxpb.TensorProto_FLOAT),
		DataLocation: onnxpb.TensorProto_EXTERNAL,
		ExternalData: []*onnxpb.StringStringEntryProto{
			{Key: "location", Value: loc}, {Key: "offset", Value: itoa(offset)}, {Key: "length", Value: itoa(4 * len(vals))},
		}})
	b.node("Mul", []string{"x", "w"}, []string{"y"})
	b.output("y")
	return b
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestLoadFile_ExternalData(t *testing.T) {
	dir := t.TempDir()
	vals := []float32{1.5, -2, 3.25}
	data := make([]byte, 16+12)
	for i, v := range vals {
		binary.LittleEndian.PutUint32(data[16+4*i:], math.Float32bits(v))
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "w.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	p := writeModel(t, dir, externalModel("data/w.bin", 16, vals).bytes(t))
	g, err := LoadFile(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := g.Nodes[0].Inputs[1].Const.F
	for i := range vals {
		if got[i] != vals[i] {
			t.Fatalf("external weight %d = %v, want %v", i, got[i], vals[i])
		}
	}
}

func TestLoadFile_ExternalDataErrors(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.bin"), make([]byte, 64), 0o644)
	for _, tc := range []struct{ name, loc, want string }{
		{"escapes", "../" + filepath.Base(outside) + "/secret.bin", "leaves the model's folder"},
		{"absolute", filepath.Join(outside, "secret.bin"), "leaves the model's folder"},
		{"missing", "nothere.bin", "nothere.bin"},
		{"symlink", "link.bin", "leaves the model's folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.Symlink(filepath.Join(outside, "secret.bin"), filepath.Join(dir, "link.bin"))
			p := writeModel(t, dir, externalModel(tc.loc, 0, []float32{1, 2}).bytes(t))
			_, err := LoadFile(p, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("got error %v, want one naming %s and saying %q", err, p, tc.want)
			}
		})
	}
}

func TestLoadFile_BadInput(t *testing.T) {
	good := convBNRelu().bytes(t)
	unknown := newMB(13)
	unknown.input("x", 1)
	unknown.node("FancyOp", []string{"x"}, []string{"y"})
	unknown.output("y")
	badShape := newMB(13)
	badShape.input("x", 1, 3, 8, 8)
	badShape.weight("w", -1, 1, 4, 5, 3, 3) // 5 input channels, x has 3
	badShape.node("Conv", []string{"x", "w"}, []string{"y"})
	badShape.output("y")
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty file"},
		{"truncated", good[:len(good)/2], "model.onnx"},
		{"garbage", []byte("this is not a model at all"), "model.onnx"},
		{"unknown op", unknown.bytes(t), `node "/FancyOp_y": op FancyOp is not supported`},
		{"bad conv", badShape.bytes(t), `/Conv_y`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeModel(t, t.TempDir(), tc.data)
			_, err := LoadFile(p, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("got error %v, want one naming the file and %q", err, tc.want)
			}
		})
	}
}

func TestEdgeIR_RejectsCorruption(t *testing.T) {
	g, err := Decode(convBNRelu().bytes(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	if err := WriteEdgeIR(&buf, g); err != nil {
		t.Fatal(err)
	}
	good := []byte(buf.String())
	for cut := 0; cut < len(good); cut += 97 {
		if _, err := ReadEdgeIR(strings.NewReader(string(good[:cut])), Options{}); err == nil {
			t.Fatalf("truncated to %d bytes: no error", cut)
		}
	}
	bad := append([]byte{}, good...)
	bad[8] = 9 // version
	if _, err := ReadEdgeIR(strings.NewReader(string(bad)), Options{}); err == nil || !strings.Contains(err.Error(), "version 9") {
		t.Fatalf("want a version error, got %v", err)
	}
	g2, err := ReadEdgeIR(strings.NewReader(string(good)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]*graphir.Tensor{"x": randInput(graphir.Shape{1, 3, 8, 8})}
	a, c := runGraph(t, g, in)["y"], runGraph(t, g2, in)["y"]
	for i := range a.F {
		if a.F[i] != c.F[i] {
			t.Fatalf("round trip differs at %d", i)
		}
	}
}

// SkipConst leaves weights' data unread but keeps their type and shape, and
// small constants are always read.
func TestReadEdgeIR_SkipConst(t *testing.T) {
	g, err := Decode(convBNRelu().bytes(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	if err := WriteEdgeIR(&buf, g); err != nil {
		t.Fatal(err)
	}
	var asked []string
	g2, err := ReadEdgeIR(strings.NewReader(buf.String()), Options{SkipConst: func(name string) bool {
		asked = append(asked, name)
		return true
	}})
	if err != nil {
		t.Fatal(err)
	}
	conv := g2.Nodes[0]
	w, b := conv.Inputs[1], conv.Inputs[2]
	if w.Const == nil || w.Const.F != nil || !w.Shape.Equal(graphir.Shape{4, 3, 3, 3}) {
		t.Fatalf("weight: want shape [4 3 3 3] and no data, got %v with %d values", w.Shape, len(w.Const.F))
	}
	if b.Const == nil || len(b.Const.F) != 4 {
		t.Fatalf("bias of 4 values is small and must be read, got %v", b.Const)
	}
	if len(asked) != 1 || asked[0] != w.Name {
		t.Fatalf("SkipConst asked about %v, want only the weight %q", asked, w.Name)
	}
}
