package zoo

import (
	"encoding/binary"
	"math"

	"github.com/edgectl/edgectl/importer/onnxpb"
)

// Layer helpers take the module's qualified name (as in a PyTorch state
// dict, e.g. "layer1.0.conv1") and emit what the exporter emits for it.

// conv is nn.Conv2d with square kernel, stride and padding.
func (b *builder) conv(qual string, x value, cout, k, stride, pad, group int64, bias bool) value {
	check(len(x.shape) == 4 && x.shape[1]%group == 0 && cout%group == 0, "conv %s: input %v, group %d", qual, x.shape, group)
	cin := x.shape[1] / group
	fanIn := cin * k * k
	in := []string{x.name, b.addParam(qual+".weight", kindWeight, fanIn, cout, cin, k, k)}
	if bias {
		in = append(in, b.addParam(qual+".bias", kindBias, fanIn, cout))
	}
	shape := []int64{x.shape[0], cout, window(x.shape[2], k, stride, pad), window(x.shape[3], k, stride, pad)}
	return b.node(qual, "Conv", in, shape,
		attrInts("dilations", 1, 1),
		attrInt("group", group),
		attrInts("kernel_shape", k, k),
		attrInts("pads", pad, pad, pad, pad),
		attrInts("strides", stride, stride))
}

// bn is nn.BatchNorm2d in inference mode (eps 1e-5, PyTorch momentum 0.1).
func (b *builder) bn(qual string, x value) value {
	c := x.shape[1]
	in := []string{x.name,
		b.addParam(qual+".weight", kindGamma, 0, c),
		b.addParam(qual+".bias", kindBeta, 0, c),
		b.addParam(qual+".running_mean", kindMean, 0, c),
		b.addParam(qual+".running_var", kindVar, 0, c),
	}
	return b.node(qual, "BatchNormalization", in, x.shape,
		attrFloat("epsilon", 1e-5),
		attrFloat("momentum", 0.9))
}

func (b *builder) relu(qual string, x value) value {
	return b.node(qual, "Relu", []string{x.name}, x.shape)
}

func (b *builder) leakyRelu(qual string, x value, alpha float32) value {
	return b.node(qual, "LeakyRelu", []string{x.name}, x.shape, attrFloat("alpha", alpha))
}

// relu6 is nn.ReLU6: opset-13 Clip with its bounds as Constant inputs.
func (b *builder) relu6(qual string, x value) value {
	lo := b.constant(qual, floatScalar(0))
	hi := b.constant(qual, floatScalar(6))
	return b.node(qual, "Clip", []string{x.name, lo.name, hi.name}, x.shape)
}

func (b *builder) maxPool(qual string, x value, k, stride, pad int64) value {
	shape := []int64{x.shape[0], x.shape[1], window(x.shape[2], k, stride, pad), window(x.shape[3], k, stride, pad)}
	return b.node(qual, "MaxPool", []string{x.name}, shape,
		attrInt("ceil_mode", 0),
		attrInts("dilations", 1, 1),
		attrInts("kernel_shape", k, k),
		attrInts("pads", pad, pad, pad, pad),
		attrInts("strides", stride, stride))
}

// avgPool is nn.AvgPool2d (count_include_pad defaults to true).
func (b *builder) avgPool(qual string, x value, k, stride int64) value {
	shape := []int64{x.shape[0], x.shape[1], window(x.shape[2], k, stride, 0), window(x.shape[3], k, stride, 0)}
	return b.node(qual, "AveragePool", []string{x.name}, shape,
		attrInt("ceil_mode", 0),
		attrInt("count_include_pad", 1),
		attrInts("kernel_shape", k, k),
		attrInts("pads", 0, 0, 0, 0),
		attrInts("strides", stride, stride))
}

// globalAvgPool is adaptive_avg_pool2d to 1x1.
func (b *builder) globalAvgPool(qual string, x value) value {
	return b.node(qual, "GlobalAveragePool", []string{x.name}, []int64{x.shape[0], x.shape[1], 1, 1})
}

func (b *builder) flatten(qual string, x value) value {
	return b.node(qual, "Flatten", []string{x.name}, []int64{x.shape[0], numel(x.shape[1:])}, attrInt("axis", 1))
}

// linear is nn.Linear, exported as Gemm with transB.
func (b *builder) linear(qual string, x value, out int64) value {
	check(len(x.shape) == 2, "linear %s: input %v", qual, x.shape)
	in := x.shape[1]
	inputs := []string{x.name,
		b.addParam(qual+".weight", kindWeight, in, out, in),
		b.addParam(qual+".bias", kindBias, in, out),
	}
	return b.node(qual, "Gemm", inputs, []int64{x.shape[0], out},
		attrFloat("alpha", 1),
		attrFloat("beta", 1),
		attrInt("transB", 1))
}

func (b *builder) add(qual string, x, y value) value {
	check(sameShape(x.shape, y.shape), "add %s: %v + %v", qual, x.shape, y.shape)
	return b.node(qual, "Add", []string{x.name, y.name}, x.shape)
}

// concat joins NCHW values along the channels.
func (b *builder) concat(qual string, xs ...value) value {
	shape := append([]int64(nil), xs[0].shape...)
	shape[1] = 0
	names := make([]string, len(xs))
	for i, x := range xs {
		check(x.shape[0] == shape[0] && x.shape[2] == shape[2] && x.shape[3] == shape[3], "concat %s: %v", qual, x.shape)
		shape[1] += x.shape[1]
		names[i] = x.name
	}
	return b.node(qual, "Concat", names, shape, attrInt("axis", 1))
}

// constant emits a Constant node; its value's shape is the tensor's dims.
func (b *builder) constant(qual string, t *onnxpb.TensorProto) value {
	return b.node(qual, "Constant", nil, t.Dims, attrTensor("value", t))
}

func floatScalar(v float32) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{
		DataType: int32(onnxpb.TensorProto_FLOAT),
		RawData:  binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)),
	}
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
