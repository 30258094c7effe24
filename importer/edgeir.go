package importer

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unsafe"

	"github.com/edgectl/edgectl/graphir"
)

// The .edgeir file: an imported, folded, shape-checked graph that loads
// without protobuf decoding or import passes. Layout (docs/edgeir.md):
//
//	magic    8 bytes  "\x89EDGEIR\n"
//	version  uint32   little-endian, EdgeIRVersion
//	reserved uint32   0
//	hlen     uint64   length of the JSON header
//	header   hlen bytes of JSON (edgeirHeader)
//	padding  zero bytes up to a multiple of 64
//	blob     constant data, each tensor at a 64-byte aligned offset from
//	         the blob's start, little-endian float32 or int64
const (
	edgeirMagic   = "\x89EDGEIR\n"
	EdgeIRVersion = 1
	edgeirAlign   = 64
)

type edgeirHeader struct {
	Name    string        `json:"name"`
	Opset   int           `json:"opset"`
	Values  []edgeirValue `json:"values"`
	Inputs  []int         `json:"inputs"`
	Outputs []int         `json:"outputs"`
	Nodes   []edgeirNode  `json:"nodes"`
}

type edgeirValue struct {
	Name   string `json:"name"`
	DType  string `json:"dtype"`
	Shape  []int  `json:"shape"`
	Offset int64  `json:"offset,omitempty"` // in the blob, for constants
	Bytes  int64  `json:"bytes,omitempty"`
	Const  bool   `json:"const,omitempty"`
}

type edgeirNode struct {
	Name    string                `json:"name"`
	Op      string                `json:"op"`
	Opset   int                   `json:"opset"`
	Inputs  []int                 `json:"inputs"`  // value indices, -1 for absent
	Outputs []int                 `json:"outputs"` // value indices, -1 for absent
	Attrs   map[string]edgeirAttr `json:"attrs,omitempty"`
}

type edgeirAttr struct {
	Kind   string        `json:"kind"`
	Int    int64         `json:"i,omitempty"`
	Float  jfloat        `json:"f,omitempty"`
	Str    string        `json:"s,omitempty"`
	Ints   []int64       `json:"ints,omitempty"`
	Floats []jfloat      `json:"floats,omitempty"`
	Strs   []string      `json:"strs,omitempty"`
	Tensor *edgeirTensor `json:"t,omitempty"`
}

type edgeirTensor struct {
	DType  string   `json:"dtype"`
	Shape  []int    `json:"shape"`
	Floats []jfloat `json:"floats,omitempty"`
	Ints   []int64  `json:"ints,omitempty"`
}

var attrKinds = map[string]graphir.AttrKind{}

func init() {
	for k := graphir.AttrInt; k <= graphir.AttrTensor; k++ {
		attrKinds[k.String()] = k
	}
}

func parseDType(s string) (graphir.DType, error) {
	switch s {
	case "float32":
		return graphir.Float32, nil
	case "int64":
		return graphir.Int64, nil
	}
	return graphir.Undefined, fmt.Errorf("unknown data type %q", s)
}

// WriteEdgeIR writes g in the .edgeir format.
func WriteEdgeIR(w io.Writer, g *graphir.Graph) error {
	h := edgeirHeader{Name: g.Name, Opset: g.Opset}
	index := map[*graphir.Value]int{}
	var consts []*graphir.Tensor
	var blob int64
	addValue := func(v *graphir.Value) int {
		if v == nil {
			return -1
		}
		if i, ok := index[v]; ok {
			return i
		}
		ev := edgeirValue{Name: v.Name, DType: v.DType.String(), Shape: append([]int{}, v.Shape...)}
		if v.Const != nil {
			ev.Const = true
			ev.Offset = blob
			ev.Bytes = v.Const.Bytes()
			blob += (ev.Bytes + edgeirAlign - 1) / edgeirAlign * edgeirAlign
			consts = append(consts, v.Const)
		}
		index[v] = len(h.Values)
		h.Values = append(h.Values, ev)
		return index[v]
	}
	for _, v := range g.Inputs {
		h.Inputs = append(h.Inputs, addValue(v))
	}
	for _, n := range g.Nodes {
		en := edgeirNode{Name: n.Name, Op: n.Op.String(), Opset: n.Opset}
		for _, v := range n.Inputs {
			en.Inputs = append(en.Inputs, addValue(v))
		}
		for _, v := range n.Outputs {
			en.Outputs = append(en.Outputs, addValue(v))
		}
		if len(n.Attrs) > 0 {
			en.Attrs = map[string]edgeirAttr{}
			for name, a := range n.Attrs {
				ea := edgeirAttr{Kind: a.Kind.String(), Int: a.Int, Float: jfloat(a.Float), Str: a.Str, Ints: a.Ints, Floats: toJ(a.Floats), Strs: a.Strs}
				if a.Tensor != nil {
					ea.Tensor = &edgeirTensor{DType: a.Tensor.DType.String(), Shape: a.Tensor.Shape, Floats: toJ(a.Tensor.F), Ints: a.Tensor.I}
				}
				en.Attrs[name] = ea
			}
		}
		h.Nodes = append(h.Nodes, en)
	}
	for _, v := range g.Outputs {
		h.Outputs = append(h.Outputs, addValue(v))
	}
	js, err := json.Marshal(h)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var pre [24]byte
	copy(pre[:], edgeirMagic)
	binary.LittleEndian.PutUint32(pre[8:], EdgeIRVersion)
	binary.LittleEndian.PutUint64(pre[16:], uint64(len(js)))
	bw.Write(pre[:])
	bw.Write(js)
	pad := make([]byte, edgeirAlign)
	bw.Write(pad[:padTo(int64(len(pre)+len(js)))])
	for _, c := range consts {
		bw.Write(tensorBytes(c))
		bw.Write(pad[:padTo(c.Bytes())])
	}
	return bw.Flush()
}

func padTo(n int64) int64 { return (edgeirAlign - n%edgeirAlign) % edgeirAlign }

// tensorBytes views a tensor's data as little-endian bytes without copying.
func tensorBytes(t *graphir.Tensor) []byte {
	switch {
	case t.DType == graphir.Float32 && len(t.F) > 0:
		return unsafe.Slice((*byte)(unsafe.Pointer(&t.F[0])), len(t.F)*4)
	case t.DType == graphir.Int64 && len(t.I) > 0:
		return unsafe.Slice((*byte)(unsafe.Pointer(&t.I[0])), len(t.I)*8)
	}
	return nil
}

// maxHeader bounds the JSON header of an .edgeir file (256 MiB).
const maxHeader = 1 << 28

// ReadEdgeIR reads a graph written by WriteEdgeIR, checking it as strictly
// as an ONNX import: every shape is inferred again and compared.
func ReadEdgeIR(r io.ReaderAt, opts Options) (*graphir.Graph, error) {
	var pre [24]byte
	if _, err := r.ReadAt(pre[:], 0); err != nil {
		return nil, fmt.Errorf("edgeir: reading header: %w", err)
	}
	if string(pre[:8]) != edgeirMagic {
		return nil, errors.New("edgeir: not an .edgeir file")
	}
	if v := binary.LittleEndian.Uint32(pre[8:]); v != EdgeIRVersion {
		return nil, fmt.Errorf("edgeir: format version %d, this edgectl reads version %d (import the ONNX model again)", v, EdgeIRVersion)
	}
	hlen := binary.LittleEndian.Uint64(pre[16:])
	if hlen > maxHeader {
		return nil, fmt.Errorf("edgeir: header of %d bytes is too large", hlen)
	}
	js := make([]byte, hlen)
	if _, err := r.ReadAt(js, 24); err != nil {
		return nil, fmt.Errorf("edgeir: reading header: %w", err)
	}
	var h edgeirHeader
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("edgeir: header: %w", err)
	}
	blobStart := int64(24) + int64(hlen)
	blobStart += padTo(blobStart)
	g, err := h.graph(r, blobStart, opts.SkipConst, opts.HugePages)
	if err != nil {
		return nil, fmt.Errorf("edgeir: %w", err)
	}
	return g, nil
}

func (h *edgeirHeader) graph(r io.ReaderAt, blobStart int64, skip func(string) bool, huge bool) (*graphir.Graph, error) {
	g := &graphir.Graph{Name: h.Name, Opset: h.Opset}
	vals := make([]*graphir.Value, len(h.Values))
	for i, ev := range h.Values {
		dt, err := parseDType(ev.DType)
		if err != nil {
			return nil, fmt.Errorf("value %q: %w", ev.Name, err)
		}
		v := &graphir.Value{Name: ev.Name, DType: dt, Shape: graphir.Shape(ev.Shape)}
		if ev.Const && skip != nil && dt == graphir.Float32 && v.Shape.Size() > SmallConst && skip(ev.Name) {
			if err := v.Shape.Check(); err != nil {
				return nil, fmt.Errorf("value %q: %w", ev.Name, err)
			}
			v.Const = &graphir.Tensor{DType: dt, Shape: v.Shape.Clone()} // shape only, data left out
		} else if ev.Const {
			t, err := readConst(r, blobStart, ev, dt, huge)
			if err != nil {
				return nil, fmt.Errorf("value %q: %w", ev.Name, err)
			}
			v.Const = t
		}
		vals[i] = v
	}
	ref := func(i int, what string) (*graphir.Value, error) {
		if i == -1 {
			return nil, nil
		}
		if i < 0 || i >= len(vals) {
			return nil, fmt.Errorf("%s refers to value %d of %d", what, i, len(vals))
		}
		return vals[i], nil
	}
	for _, i := range h.Inputs {
		v, err := ref(i, "graph input")
		if err != nil || v == nil || v.Const != nil {
			return nil, fmt.Errorf("bad graph input %d", i)
		}
		g.Inputs = append(g.Inputs, v)
	}
	for _, en := range h.Nodes {
		op, ok := graphir.ParseOp(en.Op)
		if !ok {
			return nil, fmt.Errorf("node %q: op %s is not supported", en.Name, en.Op)
		}
		n := &graphir.Node{Name: en.Name, Op: op, Opset: en.Opset, Attrs: graphir.Attrs{}}
		for _, i := range en.Inputs {
			v, err := ref(i, "node "+en.Name+" input")
			if err != nil {
				return nil, err
			}
			n.Inputs = append(n.Inputs, v)
		}
		for _, i := range en.Outputs {
			v, err := ref(i, "node "+en.Name+" output")
			if err != nil {
				return nil, err
			}
			if v != nil && (v.Const != nil || v.Producer != nil) {
				return nil, fmt.Errorf("node %q: output %q is already defined", en.Name, v.Name)
			}
			if v != nil {
				v.Producer = n
			}
			n.Outputs = append(n.Outputs, v)
		}
		for name, ea := range en.Attrs {
			a, err := ea.attr()
			if err != nil {
				return nil, fmt.Errorf("node %q attribute %q: %w", en.Name, name, err)
			}
			n.Attrs[name] = a
		}
		g.Nodes = append(g.Nodes, n)
	}
	for _, i := range h.Outputs {
		v, err := ref(i, "graph output")
		if err != nil || v == nil {
			return nil, fmt.Errorf("bad graph output %d", i)
		}
		g.Outputs = append(g.Outputs, v)
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	for _, n := range g.Nodes {
		want := make([]graphir.ValueType, len(n.Outputs))
		for i, v := range n.Outputs {
			if v != nil {
				want[i] = graphir.ValueType{DType: v.DType, Shape: v.Shape}
			}
		}
		if err := graphir.InferNode(n); err != nil {
			return nil, err
		}
		for i, v := range n.Outputs {
			if v != nil && (v.DType != want[i].DType || !v.Shape.Equal(want[i].Shape)) {
				return nil, fmt.Errorf("node %s: recorded output %q %s%v, inferred %s%v", n, v.Name, want[i].DType, want[i].Shape, v.DType, v.Shape)
			}
		}
	}
	return g, nil
}

func readConst(r io.ReaderAt, blobStart int64, ev edgeirValue, dt graphir.DType, huge bool) (*graphir.Tensor, error) {
	n := int64(1)
	for _, d := range ev.Shape {
		if d < 0 {
			return nil, fmt.Errorf("negative dimension in %v", ev.Shape)
		}
		n *= int64(d)
		if n > maxElements {
			return nil, fmt.Errorf("shape %v is too large", ev.Shape)
		}
	}
	if ev.Bytes != n*int64(dt.Size()) || ev.Offset < 0 || ev.Offset%edgeirAlign != 0 {
		return nil, fmt.Errorf("data of %d bytes at offset %d does not fit shape %v", ev.Bytes, ev.Offset, ev.Shape)
	}
	t := graphir.NewTensor(dt, graphir.Shape(ev.Shape))
	b := tensorBytes(t)
	if huge && len(b) >= hugeMin {
		adviseHugePages(b)
	}
	if _, err := r.ReadAt(b, blobStart+ev.Offset); err != nil {
		return nil, fmt.Errorf("reading %d bytes of data: %w", len(b), err)
	}
	return t, nil
}

func (ea edgeirAttr) attr() (graphir.Attr, error) {
	k, ok := attrKinds[ea.Kind]
	if !ok {
		return graphir.Attr{}, fmt.Errorf("unknown kind %q", ea.Kind)
	}
	a := graphir.Attr{Kind: k, Int: ea.Int, Float: float32(ea.Float), Str: ea.Str, Ints: ea.Ints, Floats: fromJ(ea.Floats), Strs: ea.Strs}
	if k == graphir.AttrTensor {
		if ea.Tensor == nil {
			return a, errors.New("tensor attribute has no tensor")
		}
		dt, err := parseDType(ea.Tensor.DType)
		if err != nil {
			return a, err
		}
		t := &graphir.Tensor{DType: dt, Shape: graphir.Shape(ea.Tensor.Shape), F: fromJ(ea.Tensor.Floats), I: ea.Tensor.Ints}
		if dt == graphir.Float32 && t.F == nil {
			t.F = []float32{}
		}
		if dt == graphir.Int64 && t.I == nil {
			t.I = []int64{}
		}
		if err := t.Check(); err != nil {
			return a, err
		}
		a.Tensor = t
	}
	return a, nil
}

// jfloat is a float32 that JSON can carry even when it is infinite or NaN
// (Clip bounds, padding values): those travel as the strings "inf", "-inf"
// and "nan".
type jfloat float32

func (f jfloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsInf(v, 1):
		return []byte(`"inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-inf"`), nil
	case math.IsNaN(v):
		return []byte(`"nan"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 32), nil
}

func (f *jfloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"inf"`:
		*f = jfloat(math.Inf(1))
	case `"-inf"`:
		*f = jfloat(math.Inf(-1))
	case `"nan"`:
		*f = jfloat(math.NaN())
	default:
		v, err := strconv.ParseFloat(string(b), 32)
		if err != nil {
			return fmt.Errorf("bad float %s", b)
		}
		*f = jfloat(v)
	}
	return nil
}

func toJ(fs []float32) []jfloat {
	if fs == nil {
		return nil
	}
	return unsafe.Slice((*jfloat)(unsafe.SliceData(fs)), len(fs))
}

func fromJ(fs []jfloat) []float32 {
	if fs == nil {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.SliceData(fs)), len(fs))
}
