package zoo

import "github.com/edgectl/edgectl/importer/onnxpb"

// Layer helpers take the module's qualified name (as in a PyTorch state
// dict, e.g. "layer1.0.conv1") and emit what the exporter emits for it.

// conv is nn.Conv2d with square kernel, stride and padding. The dynamo
// exporter leaves kernel_shape out (it is the weight's shape).
func (b *builder) conv(qual string, x value, cout, k, stride, pad, group int64, bias bool) value {
	check(len(x.shape) == 4 && x.shape[1]%group == 0 && cout%group == 0, "conv %s: input %v, group %d", qual, x.shape, group)
	cin := x.shape[1] / group
	fanIn := cin * k * k
	in := []string{x.name, b.addParam(qual+".weight", kindWeight, fanIn, cout, cin, k, k)}
	if bias {
		in = append(in, b.addParam(qual+".bias", kindBias, fanIn, cout))
	}
	shape := []int64{x.shape[0], cout, window(x.shape[2], k, stride, pad), window(x.shape[3], k, stride, pad)}
	return b.convNode(qual, in, shape, k, stride, pad, group)
}

// convNode emits the Conv node of conv.
func (b *builder) convNode(qual string, in []string, shape []int64, k, stride, pad, group int64) value {
	if b.dynamo {
		return b.node(qual, "Conv", in, shape,
			attrInts("dilations", 1, 1),
			attrInt("group", group),
			attrInts("pads", pad, pad, pad, pad),
			attrInts("strides", stride, stride))
	}
	return b.node(qual, "Conv", in, shape,
		attrInts("dilations", 1, 1),
		attrInt("group", group),
		attrInts("kernel_shape", k, k),
		attrInts("pads", pad, pad, pad, pad),
		attrInts("strides", stride, stride))
}

// bn is nn.BatchNorm2d in inference mode (eps 1e-5, PyTorch momentum 0.1).
func (b *builder) bn(qual string, x value) value { return b.bnWith(qual, x, 1e-5, 0.1) }

// bnWith is nn.BatchNorm2d with the given eps and PyTorch momentum (ONNX's
// momentum is 1 - PyTorch's). The dynamo exporter writes the opset-15 form
// with training_mode 0.
func (b *builder) bnWith(qual string, x value, eps, momentum float32) value {
	c := x.shape[1]
	in := []string{x.name,
		b.addParam(qual+".weight", kindGamma, 0, c),
		b.addParam(qual+".bias", kindBeta, 0, c),
		b.addParam(qual+".running_mean", kindMean, 0, c),
		b.addParam(qual+".running_var", kindVar, 0, c),
	}
	attrs := []*onnxpb.AttributeProto{attrFloat("epsilon", eps), attrFloat("momentum", 1-momentum)}
	if b.dynamo {
		attrs = append(attrs, attrInt("training_mode", 0))
	}
	return b.node(qual, "BatchNormalization", in, x.shape, attrs...)
}

func (b *builder) relu(qual string, x value) value {
	return b.node(qual, "Relu", []string{x.name}, x.shape)
}

func (b *builder) leakyRelu(qual string, x value, alpha float32) value {
	return b.node(qual, "LeakyRelu", []string{x.name}, x.shape, attrFloat("alpha", alpha))
}

// relu6 is nn.ReLU6 (hardtanh(0, 6)): Clip with its bounds as inputs,
// Constant nodes from the TorchScript exporter, scalar initializers shared
// by every Clip from the dynamo one.
func (b *builder) relu6(qual string, x value) value {
	lo := b.tensorConst(qual, floatScalar(0))
	hi := b.tensorConst(qual, floatScalar(6))
	return b.node(qual, "Clip", []string{x.name, lo.name, hi.name}, x.shape)
}

// silu is nn.SiLU, x * sigmoid(x), as both exporters write it.
func (b *builder) silu(qual string, x value) value {
	s := b.emit(qual, "Sigmoid", "", []string{x.name}, [][]int64{x.shape}, 0)[0]
	return b.emit(qual, "Mul", "silu", []string{x.name, s.name}, [][]int64{x.shape}, 0)[0]
}

// maxPool is nn.MaxPool2d. The dynamo exporter's lowering unpacks
// MaxPool's (Y, Indices) and drops the indices, so its node has a second,
// unused int64 output.
func (b *builder) maxPool(qual string, x value, k, stride, pad int64) value {
	shape := []int64{x.shape[0], x.shape[1], window(x.shape[2], k, stride, pad), window(x.shape[3], k, stride, pad)}
	y := b.node(qual, "MaxPool", []string{x.name}, shape,
		attrInt("ceil_mode", 0),
		attrInts("dilations", 1, 1),
		attrInts("kernel_shape", k, k),
		attrInts("pads", pad, pad, pad, pad),
		attrInts("strides", stride, stride))
	if b.dynamo {
		idx := value{name: b.val(), shape: shape, elem: onnxpb.TensorProto_INT64}
		n := b.nodes[len(b.nodes)-1]
		n.Output = append(n.Output, idx.name)
		b.infos = append(b.infos, valueInfoOf(idx))
	}
	return y
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

// globalAvgPool is adaptive_avg_pool2d to 1x1. torch.export decomposes it
// to mean(x, [-1, -2], keepdim=True): an opset-18 ReduceMean whose axes are
// a constant input.
func (b *builder) globalAvgPool(qual string, x value) value {
	shape := []int64{x.shape[0], x.shape[1], 1, 1}
	if b.dynamo {
		axes := b.constInit(int64s(-1, -2))
		return b.node(qual, "ReduceMean", []string{x.name, axes.name}, shape, attrInt("keepdims", 1))
	}
	return b.node(qual, "GlobalAveragePool", []string{x.name}, shape)
}

// flatten is torch.flatten(x, 1). torch.export makes it a view to [1, -1]:
// a Reshape (allowzero, as for every view) of a Constant node's value_ints.
func (b *builder) flatten(qual string, x value) value {
	shape := []int64{x.shape[0], numel(x.shape[1:])}
	if b.dynamo {
		return b.reshape(qual, x, shape, 1, -1)
	}
	return b.node(qual, "Flatten", []string{x.name}, shape, attrInt("axis", 1))
}

// reshape is x.view(target...) with the result's shape. The TorchScript
// exporter takes the target from a Constant node holding a tensor; the
// dynamo one from a Constant node with value_ints, and sets allowzero.
func (b *builder) reshape(qual string, x value, shape []int64, target ...int64) value {
	check(numel(x.shape) == numel(shape), "reshape %s: %v to %v", qual, x.shape, shape)
	if b.dynamo {
		t := b.emit(qual, "Constant", "", nil, [][]int64{{int64(len(target))}}, onnxpb.TensorProto_INT64,
			attrInts("value_ints", target...))[0]
		return b.node(qual, "Reshape", []string{x.name, t.name}, shape, attrInt("allowzero", 1))
	}
	t := b.constant(qual, int64s(target...))
	return b.node(qual, "Reshape", []string{x.name, t.name}, shape)
}

// linear is nn.Linear, exported as Gemm with transB.
func (b *builder) linear(qual string, x value, out int64) value {
	check(len(x.shape) == 2, "linear %s: input %v", qual, x.shape)
	in := x.shape[1]
	inputs := []string{x.name,
		b.addParam(qual+".weight", kindWeight, in, out, in),
		b.addParam(qual+".bias", kindBias, in, out),
	}
	if b.dynamo {
		return b.node(qual, "Gemm", inputs, []int64{x.shape[0], out}, attrInt("transB", 1))
	}
	return b.node(qual, "Gemm", inputs, []int64{x.shape[0], out},
		attrFloat("alpha", 1),
		attrFloat("beta", 1),
		attrInt("transB", 1))
}

// linearMatMul is nn.Linear as the dynamo exporter's aten.linear lowering
// writes it: MatMul by the transposed weight, which the optimiser folds into
// an initializer holding weight.T, then Add of the bias.
func (b *builder) linearMatMul(qual string, x value, out int64) value {
	if !b.dynamo {
		return b.linear(qual, x, out)
	}
	check(len(x.shape) == 2, "linear %s: input %v", qual, x.shape)
	in := x.shape[1]
	wt := b.val()
	b.params = append(b.params, param{name: wt, key: qual + ".weight", dims: []int64{in, out},
		kind: kindWeight, fanIn: in, transposed: true})
	bias := b.addParam(qual+".bias", kindBias, in, out)
	shape := []int64{x.shape[0], out}
	y := b.emit(qual, "MatMul", "", []string{x.name, wt}, [][]int64{shape}, 0)[0]
	return b.emit(qual, "Add", "linear", []string{y.name, bias}, [][]int64{shape}, 0)[0]
}

func (b *builder) add(qual string, x, y value) value {
	check(sameShape(x.shape, y.shape), "add %s: %v + %v", qual, x.shape, y.shape)
	return b.node(qual, "Add", []string{x.name, y.name}, x.shape)
}

// concat joins NCHW values along the channels.
func (b *builder) concat(qual string, xs ...value) value { return b.concatAxis(qual, 1, xs...) }

// concatAxis joins values along axis.
func (b *builder) concatAxis(qual string, axis int, xs ...value) value {
	shape := append([]int64(nil), xs[0].shape...)
	shape[axis] = 0
	names := make([]string, len(xs))
	for i, x := range xs {
		check(len(x.shape) == len(shape), "concat %s: %v", qual, x.shape)
		for d := range shape {
			check(d == axis || x.shape[d] == shape[d], "concat %s: %v and %v", qual, x.shape, xs[0].shape)
		}
		shape[axis] += x.shape[axis]
		names[i] = x.name
	}
	return b.node(qual, "Concat", names, shape, attrInt("axis", int64(axis)))
}

// split is x.split(sizes, axis) (or chunk). At opset 13 the sizes are a
// constant input; the dynamo exporter writes equal parts with the opset-18
// num_outputs attribute and unequal ones with a constant input.
func (b *builder) split(qual string, x value, axis int64, sizes ...int64) []value {
	shapes := make([][]int64, len(sizes))
	var sum int64
	for i, s := range sizes {
		shapes[i] = append([]int64(nil), x.shape...)
		shapes[i][axis] = s
		sum += s
	}
	check(sum == x.shape[axis], "split %s: %v into %v", qual, x.shape, sizes)
	equal := true
	for _, s := range sizes {
		equal = equal && s == sizes[0]
	}
	if b.dynamo && equal {
		return b.emit(qual, "Split", "split", []string{x.name}, shapes, 0,
			attrInt("axis", axis), attrInt("num_outputs", int64(len(sizes))))
	}
	s := b.tensorConst(qual, int64s(sizes...))
	return b.emit(qual, "Split", "split", []string{x.name, s.name}, shapes, 0, attrInt("axis", axis))
}
