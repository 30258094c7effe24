package zoo

import (
	"encoding/binary"
	"math"

	"github.com/edgectl/edgectl/importer/onnxpb"
)

// Small constructors of ONNX protobuf pieces.

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

func floatScalar(v float32) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{
		DataType: int32(onnxpb.TensorProto_FLOAT),
		RawData:  binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)),
	}
}

// floats is a float32 tensor of the given shape.
func floats(dims []int64, vs []float32) *onnxpb.TensorProto {
	check(numel(dims) == int64(len(vs)), "floats: %d values for %v", len(vs), dims)
	raw := make([]byte, 0, 4*len(vs))
	for _, v := range vs {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	return &onnxpb.TensorProto{Dims: dims, DataType: int32(onnxpb.TensorProto_FLOAT), RawData: raw}
}

// int64s is a 1-D int64 tensor, as the exporter writes shape constants.
func int64s(vs ...int64) *onnxpb.TensorProto {
	raw := make([]byte, 0, 8*len(vs))
	for _, v := range vs {
		raw = binary.LittleEndian.AppendUint64(raw, uint64(v))
	}
	return &onnxpb.TensorProto{
		Dims:     []int64{int64(len(vs))},
		DataType: int32(onnxpb.TensorProto_INT64),
		RawData:  raw,
	}
}

func valueInfo(name string, shape []int64) *onnxpb.ValueInfoProto {
	return valueInfoOf(value{name: name, shape: shape})
}

func valueInfoOf(v value) *onnxpb.ValueInfoProto {
	elem := v.elem
	if elem == 0 {
		elem = onnxpb.TensorProto_FLOAT
	}
	dims := make([]*onnxpb.TensorShapeProto_Dimension, len(v.shape))
	for i, d := range v.shape {
		dims[i] = &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}}
	}
	return &onnxpb.ValueInfoProto{
		Name: v.name,
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
			ElemType: int32(elem),
			Shape:    &onnxpb.TensorShapeProto{Dim: dims},
		}}},
	}
}
