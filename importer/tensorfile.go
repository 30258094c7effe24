package importer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer/onnxpb"
)

// ReadTensorFile reads a tensor from an ONNX TensorProto file (.pb) or a NumPy
// file (.npy), told apart by the NumPy magic. It returns the tensor and, for
// a TensorProto, its name.
func ReadTensorFile(path string) (*graphir.Tensor, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	if len(b) >= 6 && string(b[:6]) == npyMagic {
		t, err := decodeNpy(b)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", path, err)
		}
		return t, "", nil
	}
	t, name, err := DecodeTensor(b)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return t, name, nil
}

// DecodeTensor decodes a serialised ONNX TensorProto.
func DecodeTensor(b []byte) (*graphir.Tensor, string, error) {
	tp := &onnxpb.TensorProto{}
	if err := proto.Unmarshal(b, tp); err != nil {
		return nil, "", fmt.Errorf("not an ONNX TensorProto: %w", err)
	}
	if tp.GetDataType() == 0 {
		return nil, "", errors.New("not an ONNX TensorProto: no data type")
	}
	t, err := convertTensor(tp, tensorSource{})
	if err != nil {
		return nil, "", err
	}
	return t, tp.GetName(), nil
}

// EncodeTensor serialises t as an ONNX TensorProto with raw_data.
func EncodeTensor(t *graphir.Tensor, name string) ([]byte, error) {
	tp := &onnxpb.TensorProto{Name: name}
	for _, d := range t.Shape {
		tp.Dims = append(tp.Dims, int64(d))
	}
	switch t.DType {
	case graphir.Float32:
		tp.DataType = dtFloat
	case graphir.Int64:
		tp.DataType = dtInt64
	default:
		return nil, errors.New("tensor has no data type")
	}
	tp.RawData = append([]byte{}, tensorBytes(t)...)
	return proto.Marshal(tp)
}

// WriteTensorFile writes t as a TensorProto, or as .npy when path ends in .npy.
func WriteTensorFile(path string, t *graphir.Tensor, name string) error {
	var b []byte
	var err error
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		b, err = encodeNpy(t)
	} else {
		b, err = EncodeTensor(t, name)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, b, 0o644)
}

const npyMagic = "\x93NUMPY"

// decodeNpy reads NumPy format versions 1 to 3, C order, little-endian
// float32, float64 (converted), int64 or int32 (widened).
func decodeNpy(b []byte) (*graphir.Tensor, error) {
	if len(b) < 10 {
		return nil, errors.New("npy: truncated header")
	}
	major := b[6]
	var hlen, off int
	switch major {
	case 1:
		hlen, off = int(binary.LittleEndian.Uint16(b[8:])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, errors.New("npy: truncated header")
		}
		hlen, off = int(binary.LittleEndian.Uint32(b[8:])), 12
	default:
		return nil, fmt.Errorf("npy: format version %d is not supported", major)
	}
	if hlen < 0 || off+hlen > len(b) {
		return nil, errors.New("npy: truncated header")
	}
	hdr := string(b[off : off+hlen])
	data := b[off+hlen:]
	descr := npyField(hdr, "descr")
	if strings.Contains(npyField(hdr, "fortran_order"), "True") {
		return nil, errors.New("npy: Fortran-order arrays are not supported")
	}
	shapeStr := strings.Trim(npyField(hdr, "shape"), "() ")
	var shape graphir.Shape
	n := int64(1)
	for _, p := range strings.Split(shapeStr, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		var d int
		if _, err := fmt.Sscanf(p, "%d", &d); err != nil || d < 0 {
			return nil, fmt.Errorf("npy: bad shape %q", shapeStr)
		}
		shape = append(shape, d)
		n *= int64(d)
		if n > maxElements {
			return nil, fmt.Errorf("npy: shape %q is too large", shapeStr)
		}
	}
	descr = strings.Trim(descr, "'\" ")
	codes := map[string]int32{"<f4": dtFloat, "<f8": dtDouble, "<i8": dtInt64, "<i4": dtInt32}
	code, ok := codes[descr]
	if !ok {
		return nil, fmt.Errorf("npy: data type %q is not supported (want <f4, <f8, <i8 or <i4)", descr)
	}
	dt, _ := mapDType(code)
	t := &graphir.Tensor{DType: dt, Shape: shape}
	if err := fromRaw(t, code, data, int(n)); err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	return t, nil
}

func npyField(hdr, key string) string {
	i := strings.Index(hdr, "'"+key+"'")
	if i < 0 {
		return ""
	}
	rest := hdr[i+len(key)+2:]
	rest = strings.TrimLeft(rest, ": ")
	if strings.HasPrefix(rest, "(") {
		if j := strings.Index(rest, ")"); j >= 0 {
			return rest[:j+1]
		}
	}
	if j := strings.IndexAny(rest, ",}"); j >= 0 {
		return rest[:j]
	}
	return rest
}

func encodeNpy(t *graphir.Tensor) ([]byte, error) {
	descr := "<f4"
	if t.DType == graphir.Int64 {
		descr = "<i8"
	}
	dims := make([]string, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = fmt.Sprint(d)
	}
	shape := strings.Join(dims, ", ")
	if len(dims) == 1 {
		shape += ","
	}
	hdr := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, shape)
	total := 10 + len(hdr) + 1
	hdr += strings.Repeat(" ", (64-total%64)%64) + "\n"
	out := append([]byte(npyMagic), 1, 0)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(hdr)))
	out = append(out, hdr...)
	return append(out, tensorBytes(t)...), nil
}
