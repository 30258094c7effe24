package importer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unsafe"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer/onnxpb"
)

// ONNX TensorProto data types edgectl reads.
const (
	dtFloat    = int32(onnxpb.TensorProto_FLOAT)
	dtUint8    = int32(onnxpb.TensorProto_UINT8)
	dtInt8     = int32(onnxpb.TensorProto_INT8)
	dtUint16   = int32(onnxpb.TensorProto_UINT16)
	dtInt16    = int32(onnxpb.TensorProto_INT16)
	dtInt32    = int32(onnxpb.TensorProto_INT32)
	dtInt64    = int32(onnxpb.TensorProto_INT64)
	dtBool     = int32(onnxpb.TensorProto_BOOL)
	dtFloat16  = int32(onnxpb.TensorProto_FLOAT16)
	dtDouble   = int32(onnxpb.TensorProto_DOUBLE)
	dtUint32   = int32(onnxpb.TensorProto_UINT32)
	dtUint64   = int32(onnxpb.TensorProto_UINT64)
	dtBfloat16 = int32(onnxpb.TensorProto_BFLOAT16)
)

// DTypeName names an ONNX data type code for error messages.
func DTypeName(code int32) string {
	if s, ok := onnxpb.TensorProto_DataType_name[code]; ok {
		return strings.ToLower(s)
	}
	return fmt.Sprintf("type %d", code)
}

// mapDType tells which graphir type an ONNX element type is computed in.
// Only float32 and int64 values flow through edgectl; float16, bfloat16 and
// double weights are converted to float32 and small integer types to int64
// where they appear as constants. Graph inputs must be float32 or int64.
func mapDType(code int32) (graphir.DType, bool) {
	switch code {
	case dtFloat, dtFloat16, dtBfloat16, dtDouble:
		return graphir.Float32, true
	case dtInt64, dtInt32, dtInt16, dtInt8, dtUint8, dtUint16, dtUint32, dtBool:
		return graphir.Int64, true
	}
	return graphir.Undefined, false
}

// tensorSource says where a TensorProto's bytes may come from.
type tensorSource struct {
	raw     []byte       // raw_data kept out of the proto by decodeModel, if any
	dir     string       // folder of the model file, for external data; "" refuses it
	release func([]byte) // gives back pages of raw already copied; may be nil
}

// maxElements bounds a constant so a corrupt header cannot make us allocate
// without limit (4 Gi elements, 16 GiB of float32; 2 Gi on 32-bit machines).
const maxElements int64 = min(1<<32, math.MaxInt)

// convertTensor turns a TensorProto into a graphir tensor.
func convertTensor(t *onnxpb.TensorProto, src tensorSource) (*graphir.Tensor, error) {
	dt, ok := mapDType(t.GetDataType())
	if !ok {
		return nil, fmt.Errorf("tensor %q: unsupported data type %s", t.GetName(), DTypeName(t.GetDataType()))
	}
	if t.GetSegment() != nil {
		return nil, fmt.Errorf("tensor %q: segmented tensors are not supported", t.GetName())
	}
	shape := make(graphir.Shape, len(t.GetDims()))
	n := int64(1)
	for i, d := range t.GetDims() {
		if d < 0 {
			return nil, fmt.Errorf("tensor %q: negative dimension %d", t.GetName(), d)
		}
		shape[i] = int(d)
		n *= d
		if n > maxElements {
			return nil, fmt.Errorf("tensor %q: %v elements is more than edgectl accepts", t.GetName(), t.GetDims())
		}
	}
	raw := src.raw
	hasRaw := raw != nil || t.RawData != nil
	if raw == nil {
		raw = t.GetRawData()
	}
	if t.GetDataLocation() == onnxpb.TensorProto_EXTERNAL {
		b, err := readExternal(t, src.dir)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", t.GetName(), err)
		}
		raw, hasRaw = b, true
	}
	code := t.GetDataType()
	out := &graphir.Tensor{DType: dt, Shape: shape}
	if hasRaw {
		if code == dtFloat && src.release != nil && len(raw) == int(n)*4 {
			out.F = copyReleasing(raw, int(n), src.release)
			return out, nil
		}
		if err := fromRaw(out, code, raw, int(n)); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", t.GetName(), err)
		}
		return out, nil
	}
	if err := fromTyped(out, t, int(n)); err != nil {
		return nil, fmt.Errorf("tensor %q: %w", t.GetName(), err)
	}
	return out, nil
}

// copyReleasing copies little-endian float32 data in chunks, giving back each
// chunk's pages as soon as it is copied, so the mapped file and the weights
// are not both resident for a large tensor.
func copyReleasing(raw []byte, n int, release func([]byte)) []float32 {
	const chunk = 8 << 20
	out := make([]float32, n)
	if n == 0 {
		return out
	}
	dst := unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), n*4)
	for off := 0; off < len(raw); off += chunk {
		end := min(off+chunk, len(raw))
		copy(dst[off:end], raw[off:end])
		release(raw[off:end])
	}
	return out
}

func elemSize(code int32) int {
	switch code {
	case dtDouble, dtInt64, dtUint64:
		return 8
	case dtFloat, dtInt32, dtUint32:
		return 4
	case dtFloat16, dtBfloat16, dtInt16, dtUint16:
		return 2
	}
	return 1
}

func fromRaw(out *graphir.Tensor, code int32, raw []byte, n int) error {
	size := elemSize(code)
	if len(raw) != n*size {
		return fmt.Errorf("raw data has %d bytes, shape %v of %s needs %d", len(raw), out.Shape, DTypeName(code), n*size)
	}
	le := binary.LittleEndian
	switch code {
	case dtFloat:
		out.F = make([]float32, n)
		if n > 0 {
			// One memmove: the data are little-endian float32, as is every
			// machine edgectl runs on (amd64, arm64, arm).
			copy(unsafe.Slice((*byte)(unsafe.Pointer(&out.F[0])), n*4), raw)
		}
	case dtFloat16:
		out.F = make([]float32, n)
		for i := range out.F {
			out.F[i] = halfToFloat(le.Uint16(raw[2*i:]))
		}
	case dtBfloat16:
		out.F = make([]float32, n)
		for i := range out.F {
			out.F[i] = math.Float32frombits(uint32(le.Uint16(raw[2*i:])) << 16)
		}
	case dtDouble:
		out.F = make([]float32, n)
		for i := range out.F {
			out.F[i] = float32(math.Float64frombits(le.Uint64(raw[8*i:])))
		}
	default:
		out.I = make([]int64, n)
		for i := range out.I {
			switch code {
			case dtInt64, dtUint64:
				out.I[i] = int64(le.Uint64(raw[8*i:]))
			case dtInt32:
				out.I[i] = int64(int32(le.Uint32(raw[4*i:])))
			case dtUint32:
				out.I[i] = int64(le.Uint32(raw[4*i:]))
			case dtInt16:
				out.I[i] = int64(int16(le.Uint16(raw[2*i:])))
			case dtUint16:
				out.I[i] = int64(le.Uint16(raw[2*i:]))
			case dtInt8:
				out.I[i] = int64(int8(raw[i]))
			default: // uint8, bool
				out.I[i] = int64(raw[i])
			}
		}
	}
	return nil
}

func fromTyped(out *graphir.Tensor, t *onnxpb.TensorProto, n int) error {
	code := t.GetDataType()
	count := func(have int) error {
		if have != n {
			return fmt.Errorf("has %d values, shape %v needs %d", have, out.Shape, n)
		}
		return nil
	}
	switch code {
	case dtFloat:
		if err := count(len(t.GetFloatData())); err != nil {
			return err
		}
		out.F = append([]float32{}, t.GetFloatData()...)
	case dtDouble:
		if err := count(len(t.GetDoubleData())); err != nil {
			return err
		}
		out.F = make([]float32, n)
		for i, v := range t.GetDoubleData() {
			out.F[i] = float32(v)
		}
	case dtFloat16, dtBfloat16:
		// Stored one per int32_data element, in the low 16 bits.
		if err := count(len(t.GetInt32Data())); err != nil {
			return err
		}
		out.F = make([]float32, n)
		for i, v := range t.GetInt32Data() {
			if code == dtFloat16 {
				out.F[i] = halfToFloat(uint16(v))
			} else {
				out.F[i] = math.Float32frombits(uint32(uint16(v)) << 16)
			}
		}
	case dtInt64:
		if err := count(len(t.GetInt64Data())); err != nil {
			return err
		}
		out.I = append([]int64{}, t.GetInt64Data()...)
	case dtUint32, dtUint64:
		if err := count(len(t.GetUint64Data())); err != nil {
			return err
		}
		out.I = make([]int64, n)
		for i, v := range t.GetUint64Data() {
			out.I[i] = int64(v)
		}
	default: // int32, int16, int8, uint16, uint8, bool
		if err := count(len(t.GetInt32Data())); err != nil {
			return err
		}
		out.I = make([]int64, n)
		for i, v := range t.GetInt32Data() {
			out.I[i] = int64(v)
		}
	}
	if out.F == nil && out.DType == graphir.Float32 {
		out.F = []float32{}
	}
	if out.I == nil && out.DType == graphir.Int64 {
		out.I = []int64{}
	}
	return nil
}

// halfToFloat converts an IEEE 754 binary16 value to float32 exactly.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp == 0:
		if frac == 0 {
			return math.Float32frombits(sign)
		}
		// Subnormal: value = frac * 2^-24.
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}

// readExternal reads a tensor stored outside the model file. The location is
// relative to the model's folder and may not leave it.
func readExternal(t *onnxpb.TensorProto, dir string) ([]byte, error) {
	if dir == "" {
		return nil, errors.New("external data is not available for a model read from memory")
	}
	var loc string
	offset, length := int64(0), int64(-1)
	for _, kv := range t.GetExternalData() {
		var err error
		switch kv.GetKey() {
		case "location":
			loc = kv.GetValue()
		case "offset":
			offset, err = strconv.ParseInt(kv.GetValue(), 10, 64)
		case "length":
			length, err = strconv.ParseInt(kv.GetValue(), 10, 64)
		}
		if err != nil {
			return nil, fmt.Errorf("external data %s %q: %w", kv.GetKey(), kv.GetValue(), err)
		}
	}
	if loc == "" {
		return nil, errors.New("external data has no location")
	}
	if filepath.IsAbs(loc) || !filepath.IsLocal(loc) {
		return nil, fmt.Errorf("external data location %q leaves the model's folder", loc)
	}
	path := filepath.Join(dir, loc)
	// A symbolic link may still point outside; resolve and check again.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		realDir, derr := filepath.EvalSymlinks(dir)
		if derr == nil {
			rel, rerr := filepath.Rel(realDir, real)
			if rerr != nil || !filepath.IsLocal(rel) {
				return nil, fmt.Errorf("external data location %q leaves the model's folder", loc)
			}
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("external data: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("external data: %w", err)
	}
	if offset < 0 || offset > st.Size() {
		return nil, fmt.Errorf("external data offset %d is outside %s (%d bytes)", offset, path, st.Size())
	}
	if length < 0 {
		length = st.Size() - offset
	}
	if length > st.Size()-offset {
		return nil, fmt.Errorf("external data %s has %d bytes after offset %d, tensor needs %d", path, st.Size()-offset, offset, length)
	}
	b := make([]byte, length)
	if _, err := f.ReadAt(b, offset); err != nil && !(errors.Is(err, io.EOF) && length == 0) {
		return nil, fmt.Errorf("external data %s: %w", path, err)
	}
	return b, nil
}
