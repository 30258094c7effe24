package zoo

import (
	"fmt"

	"github.com/edgectl/edgectl/importer/onnxpb"
)

// YOLOv8 detection head: 80 COCO classes, boxes as distributions over
// regMax bins per side (DFL), strides 8, 16 and 32.
const (
	v8Classes = 80
	v8RegMax  = 16
)

var v8Strides = []int64{8, 16, 32}

// yolov8n is Ultralytics' yolov8n.yaml (depth 0.33, width 0.25) at 640x640
// as its ONNX export writes it, batch norm kept: the backbone of Conv and
// C2f blocks with SPPF, the FPN/PAN neck with nearest Resize and Concat, and
// the Detect head, which flattens the three scales into [1, 144, 8400],
// decodes the box distributions (DFL) against constant anchor and stride
// tensors and returns [1, 84, 8400]: xywh in pixels, then 80 class scores.
// The module names are Ultralytics' ("model.2.m.0.cv1.conv"), so
// initializers match a state dict.
func yolov8n(b *builder, x value) value {
	conv := func(i int, x value, c int64) value { return v8Conv(b, fmt.Sprintf("model.%d", i), x, c, 3, 2) }
	x = conv(0, x, 16)
	x = conv(1, x, 32)
	x = c2f(b, "model.2", x, 32, 1, true)
	x = conv(3, x, 64)
	p3 := c2f(b, "model.4", x, 64, 2, true)
	x = conv(5, p3, 128)
	p4 := c2f(b, "model.6", x, 128, 2, true)
	x = conv(7, p4, 256)
	x = c2f(b, "model.8", x, 256, 1, true)
	p5 := sppf(b, "model.9", x, 256, 5)

	x = upsample2x(b, "model.10", p5)
	x = b.concat("model.11", x, p4)
	n4 := c2f(b, "model.12", x, 128, 1, false)
	x = upsample2x(b, "model.13", n4)
	x = b.concat("model.14", x, p3)
	o3 := c2f(b, "model.15", x, 64, 1, false)
	x = conv(16, o3, 64)
	x = b.concat("model.17", x, n4)
	o4 := c2f(b, "model.18", x, 128, 1, false)
	x = conv(19, o4, 128)
	x = b.concat("model.20", x, p5)
	o5 := c2f(b, "model.21", x, 256, 1, false)
	return detect(b, "model.22", o3, o4, o5)
}

// v8Conv is Ultralytics' Conv: a bias-free conv with padding k/2,
// BatchNorm2d(eps 1e-3, momentum 0.03) and SiLU.
func v8Conv(b *builder, q string, x value, out, k, stride int64) value {
	x = b.conv(q+".conv", x, out, k, stride, k/2, 1, false)
	return b.silu(q+".act", b.bnWith(q+".bn", x, 1e-3, 0.03))
}

// c2f is Ultralytics' C2f(c1, c2, n, shortcut) with e=0.5: cv1 to 2c
// channels, chunked in two halves; n bottlenecks each take the last chunk;
// cv2 fuses the concatenation of all.
func c2f(b *builder, q string, x value, c2 int64, n int, shortcut bool) value {
	c := c2 / 2
	ys := b.split(q, v8Conv(b, q+".cv1", x, 2*c, 1, 1), 1, c, c)
	for i := range n {
		m := fmt.Sprintf("%s.m.%d", q, i)
		last := ys[len(ys)-1]
		y := v8Conv(b, m+".cv2", v8Conv(b, m+".cv1", last, c, 3, 1), c, 3, 1)
		if shortcut {
			y = b.add(m, last, y)
		}
		ys = append(ys, y)
	}
	return v8Conv(b, q+".cv2", b.concat(q, ys...), c2, 1, 1)
}

// sppf is Ultralytics' SPPF: cv1 halves the channels, the same k x k
// stride-1 max pool runs three times in a row, and cv2 fuses the four maps.
func sppf(b *builder, q string, x value, c2, k int64) value {
	ys := []value{v8Conv(b, q+".cv1", x, x.shape[1]/2, 1, 1)}
	for range 3 {
		ys = append(ys, b.maxPool(q+".m", ys[len(ys)-1], k, 1, k/2))
	}
	return v8Conv(b, q+".cv2", b.concat(q, ys...), c2, 1, 1)
}

// upsample2x is nn.Upsample(scale_factor=2, mode="nearest"). The
// TorchScript exporter writes Resize(x, "", scales) with constant scales
// [1, 1, 2, 2]; the dynamo one Resize(x, "", "", sizes) with the sizes
// concatenated from Shape(x, start=0, end=2) and the constant output size.
func upsample2x(b *builder, q string, x value) value {
	shape := []int64{x.shape[0], x.shape[1], 2 * x.shape[2], 2 * x.shape[3]}
	if b.dynamo {
		nc := b.emit(q, "Shape", "", []string{x.name}, [][]int64{{2}}, onnxpb.TensorProto_INT64,
			attrInt("end", 2), attrInt("start", 0))[0]
		hw := b.constInit(int64s(shape[2], shape[3]))
		sizes := b.emit(q, "Concat", "", []string{nc.name, hw.name}, [][]int64{{4}}, onnxpb.TensorProto_INT64,
			attrInt("axis", 0))[0]
		return b.node(q, "Resize", []string{x.name, "", "", sizes.name}, shape,
			attrString("coordinate_transformation_mode", "asymmetric"),
			attrString("mode", "nearest"),
			attrString("nearest_mode", "floor"))
	}
	scales := b.constant(q, floats([]int64{4}, []float32{1, 1, 2, 2}))
	return b.node(q, "Resize", []string{x.name, "", scales.name}, shape,
		attrString("coordinate_transformation_mode", "asymmetric"),
		attrFloat("cubic_coeff_a", -0.75),
		attrString("mode", "nearest"),
		attrString("nearest_mode", "floor"))
}

// detect is Ultralytics' Detect head in export mode. Each scale has a box
// branch cv2 (two Convs and a 1x1 conv to 4*regMax) and a class branch cv3
// (two Convs and a 1x1 conv to the classes), concatenated; the scales are
// flattened and joined into [1, 144, 8400] and split into box and class
// parts. The box part goes through the DFL and is decoded to xywh.
func detect(b *builder, q string, feats ...value) value {
	no := int64(4*v8RegMax + v8Classes)
	c2 := max(16, feats[0].shape[1]/4, 4*v8RegMax)
	c3 := max(feats[0].shape[1], min(v8Classes, 100))
	var flat []value
	var anchors int64
	for i, f := range feats {
		branch := func(name string, c, out int64) value {
			qb := fmt.Sprintf("%s.%s.%d", q, name, i)
			y := v8Conv(b, qb+".0", f, c, 3, 1)
			y = v8Conv(b, qb+".1", y, c, 3, 1)
			return b.conv(qb+".2", y, out, 1, 1, 0, 1, true)
		}
		box := branch("cv2", c2, 4*v8RegMax)
		cls := branch("cv3", c3, v8Classes)
		y := b.concat(q, box, cls)
		hw := y.shape[2] * y.shape[3]
		flat = append(flat, b.reshape(q, y, []int64{1, no, hw}, 1, no, -1))
		anchors += hw
	}
	x := b.concatAxis(q, 2, flat...)
	parts := b.split(q, x, 1, 4*v8RegMax, v8Classes)
	box, cls := parts[0], parts[1]

	d := dfl(b, q+".dfl", box)
	anchorPts, strides := makeAnchors(feats)
	dbox := dist2bbox(b, q, d, b.tensorConst(q, anchorPts))
	dbox = b.node(q, "Mul", []string{dbox.name, b.tensorConst(q, strides).name}, dbox.shape)
	cls = b.node(q, "Sigmoid", []string{cls.name}, cls.shape)
	check(dbox.shape[2] == anchors, "detect: %d anchors, boxes %v", anchors, dbox.shape)
	return b.concatAxis(q, 1, dbox, cls)
}

// dfl is Ultralytics' DFL: each side's regMax logits [1, 4, 16, A] are
// softmaxed over the bins (after moving them to axis 1) and reduced to the
// expected bin by a fixed 1x1 conv with weights 0..15.
func dfl(b *builder, q string, x value) value {
	a := x.shape[2]
	x = b.reshape(q, x, []int64{1, 4, v8RegMax, a}, 1, 4, v8RegMax, a)
	x = b.emit(q, "Transpose", "transpose", []string{x.name}, [][]int64{{1, v8RegMax, 4, a}}, 0, attrInts("perm", 0, 2, 1, 3))[0]
	x = b.node(q, "Softmax", []string{x.name}, x.shape, attrInt("axis", 1))
	bins := make([]float32, v8RegMax)
	for i := range bins {
		bins[i] = float32(i)
	}
	w := b.addFixed(q+".conv.weight", floats([]int64{1, v8RegMax, 1, 1}, bins))
	x = b.convNode(q+".conv", []string{x.name, w}, []int64{1, 1, 4, a}, 1, 1, 0, 1)
	return b.reshape(q, x, []int64{1, 4, a}, 1, 4, a)
}

// dist2bbox turns left-top and right-bottom distances [1, 4, A] from the
// anchor points [1, 2, A] into centre and size (in grid cells).
func dist2bbox(b *builder, q string, d, anchors value) value {
	lr := b.split(q, d, 1, 2, 2)
	x1y1 := b.node(q, "Sub", []string{anchors.name, lr[0].name}, lr[0].shape)
	x2y2 := b.node(q, "Add", []string{anchors.name, lr[1].name}, lr[1].shape)
	sum := b.node(q, "Add", []string{x1y1.name, x2y2.name}, x1y1.shape)
	var two value
	if b.dynamo {
		two = b.emit(q, "Constant", "", nil, [][]int64{nil}, 0, attrFloat("value_float", 2))[0]
	} else {
		two = b.constant(q, floatScalar(2))
	}
	cxy := b.node(q, "Div", []string{sum.name, two.name}, sum.shape)
	wh := b.node(q, "Sub", []string{x2y2.name, x1y1.name}, x1y1.shape)
	return b.concatAxis(q, 1, cxy, wh)
}

// makeAnchors is Ultralytics' make_anchors(feats, strides, 0.5), transposed
// and batched as the export uses it: the centres of every grid cell of every
// scale, [1, 2, A] (x then y, in cells), and each cell's stride, [1, A].
func makeAnchors(feats []value) (points, strides *onnxpb.TensorProto) {
	var xs, ys, ss []float32
	for i, f := range feats {
		h, w := f.shape[2], f.shape[3]
		for y := range h {
			for x := range w {
				xs = append(xs, float32(x)+0.5)
				ys = append(ys, float32(y)+0.5)
				ss = append(ss, float32(v8Strides[i]))
			}
		}
	}
	a := int64(len(ss))
	return floats([]int64{1, 2, a}, append(xs, ys...)), floats([]int64{1, a}, ss)
}
