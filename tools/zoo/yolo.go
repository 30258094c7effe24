package zoo

import (
	"fmt"
	"math"
)

// YOLO heads predict 5 anchors x (4 box + 1 objectness + 20 VOC classes).
const yoloOut = 125

// darknetConv is a darknet "convolutional" layer with batch_normalize=1: a
// bias-free conv, BatchNormalization and LeakyRelu(0.1), as an nn.Sequential
// (q.0, q.1, q.2).
func darknetConv(b *builder, q string, x value, out, k int64) value {
	x = b.conv(q+".0", x, out, k, 1, (k-1)/2, 1, false)
	return b.leakyRelu(q+".2", b.bn(q+".1", x), 0.1)
}

// layer is one entry of a darknet Sequential: a darknetConv with out
// channels and a k x k kernel, or (pool) a 2x2 stride-2 max pool.
type layer struct{ out, k int64 }

var pool = layer{}

// darknetStack runs the layers as the Sequential q.
func darknetStack(b *builder, q string, x value, layers ...layer) value {
	for i, l := range layers {
		qi := fmt.Sprintf("%s.%d", q, i)
		if l == pool {
			x = b.maxPool(qi, x, 2, 2, 0)
		} else {
			x = darknetConv(b, qi, x, l.out, l.k)
		}
	}
	return x
}

// yolov2 is darknet's yolo-voc.cfg (YOLOv2 at 416x416): the darknet-19
// trunk a (to the 26x26x512 route) and b (13x13x1024), a 1x1 64-channel
// passthrough pt reorganised space-to-depth to 13x13x256 with
// Reshape-Transpose-Reshape, concatenated before b's output, and the head.
func yolov2(b *builder, x value) value {
	a := darknetStack(b, "a", x,
		layer{32, 3}, pool, layer{64, 3}, pool,
		layer{128, 3}, layer{64, 1}, layer{128, 3}, pool,
		layer{256, 3}, layer{128, 1}, layer{256, 3}, pool,
		layer{512, 3}, layer{256, 1}, layer{512, 3}, layer{256, 1}, layer{512, 3})
	y := darknetStack(b, "b", a, pool,
		layer{1024, 3}, layer{512, 1}, layer{1024, 3}, layer{512, 1}, layer{1024, 3},
		layer{1024, 3}, layer{1024, 3})
	p := darknetConv(b, "pt", a, 64, 1)
	c, h, w := p.shape[1], p.shape[2], p.shape[3]
	p = b.reshapeConst(p, []int64{1, c, h / 2, 2, w / 2, 2}, -1, c, h/2, 2, w/2, 2)
	p = b.node("", "Transpose", []string{p.name}, []int64{1, c, 2, 2, h / 2, w / 2}, attrInts("perm", 0, 1, 3, 5, 2, 4))
	p = b.reshapeConst(p, []int64{1, 4 * c, h / 2, w / 2}, -1, 4*c, h/2, w/2)
	x = b.concat("", p, y)
	x = darknetConv(b, "head.0", x, 1024, 3)
	return b.conv("head.1", x, yoloOut, 1, 1, 0, 1, true)
}

// reshapeConst is the reorg's x.view(target...) at the top level: the
// target is a Constant node (TorchScript) or an int64 initializer (dynamo,
// which also sets allowzero).
func (b *builder) reshapeConst(x value, shape []int64, target ...int64) value {
	t := b.tensorConst("", int64s(target...))
	if b.dynamo {
		return b.node("", "Reshape", []string{x.name, t.name}, shape, attrInt("allowzero", 1))
	}
	return b.node("", "Reshape", []string{x.name, t.name}, shape)
}

// tinyYOLOv2 is darknet's tiny-yolo-voc.cfg at 416x416. Its last max pool
// has stride 1 after nn.ZeroPad2d((0, 1, 0, 1)), which the TorchScript
// exporter lowers to a Pad whose pads are computed by a small int64
// sub-graph, and the dynamo one to a Pad of constant pads.
func tinyYOLOv2(b *builder, x value) value {
	x = darknetStack(b, "net", x,
		layer{16, 3}, pool, layer{32, 3}, pool, layer{64, 3}, pool,
		layer{128, 3}, pool, layer{256, 3}, pool, layer{512, 3})
	x = zeroPadRightBottom(b, "net.11", x)
	x = b.maxPool("net.12", x, 2, 1, 0)
	x = darknetConv(b, "net.13", x, 1024, 3)
	x = darknetConv(b, "net.14", x, 1024, 3)
	return b.conv("net.15", x, yoloOut, 1, 1, 0, 1, true)
}

// zeroPadRightBottom is nn.ZeroPad2d((0, 1, 0, 1)) as the legacy exporter
// writes F.pad at opset 13: the PyTorch pad list is extended with zeros,
// reshaped to pairs, reversed, transposed and flattened into ONNX order.
func zeroPadRightBottom(b *builder, q string, x value) value {
	shape := []int64{x.shape[0], x.shape[1], x.shape[2] + 1, x.shape[3] + 1}
	if b.dynamo {
		// aten.constant_pad_nd: the ONNX pads are computed in Python, the
		// fill value is a scalar Constant node.
		pads := b.constInit(int64s(0, 0, 0, 0, 0, 0, 1, 1))
		zero := b.constant(q, floatScalar(0))
		return b.node(q, "Pad", []string{x.name, pads.name, zero.name}, shape)
	}
	n := b.constant(q, int64s(4))
	torchPads := b.constant(q, int64s(0, 1, 0, 1))
	zeros := b.node(q, "ConstantOfShape", []string{n.name}, []int64{4}, attrTensor("value", int64s(0)))
	all := b.node(q, "Concat", []string{torchPads.name, zeros.name}, []int64{8}, attrInt("axis", 0))
	pairs := b.constant(q, int64s(-1, 2))
	all = b.node(q, "Reshape", []string{all.name, pairs.name}, []int64{4, 2})
	axes := b.constant(q, int64s(0))
	starts := b.constant(q, int64s(-1))
	ends := b.constant(q, int64s(-math.MaxInt64))
	steps := b.constant(q, int64s(-1))
	all = b.node(q, "Slice", []string{all.name, starts.name, ends.name, axes.name, steps.name}, []int64{4, 2})
	all = b.node(q, "Transpose", []string{all.name}, []int64{2, 4}, attrInts("perm", 1, 0))
	flat := b.constant(q, int64s(-1))
	all = b.node(q, "Reshape", []string{all.name, flat.name}, []int64{8})
	all = b.node(q, "Cast", []string{all.name}, []int64{8}, attrInt("to", 7))
	zero := b.constant(q, floatScalar(0))
	return b.node(q, "Pad", []string{x.name, all.name, zero.name}, shape, attrString("mode", "constant"))
}
