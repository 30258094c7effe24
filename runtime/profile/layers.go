package profile

import "github.com/edgectl/edgectl/graphir"

const (
	relu  = graphir.OpRelu
	leaky = graphir.OpLeakyRelu
	relu6 = graphir.OpClip
	none  = graphir.OpInvalid
)

// convLayers are the convolutions of the networks edgectl partitions —
// VGG-16, YOLOv2 and tiny YOLOv2, ResNet-50, MobileNetV2, DenseNet-121 —
// and of their slimmed versions (fewer channels on the same planes), one
// of each distinct shape. Their tiles (convSpec.variants) add the small
// planes and channel slices that partitioned runs execute.
func convLayers() []convSpec {
	var out []convSpec
	add := func(s ...convSpec) { out = append(out, s...) }
	// VGG-16 at 224 (the first layer and conv5 stay on the GEMM or direct
	// paths, conv3_2..conv4_3 run Winograd on AVX2) and vgg16_slim (/4).
	add(layer(3, 224, 64, 3, 1, relu), layer(64, 224, 64, 3, 1, relu), layer(64, 112, 128, 3, 1, relu),
		layer(128, 112, 128, 3, 1, relu), layer(128, 56, 256, 3, 1, relu), layer(256, 56, 256, 3, 1, relu),
		layer(256, 28, 512, 3, 1, relu), layer(512, 28, 512, 3, 1, relu), layer(512, 14, 512, 3, 1, relu))
	add(layer(3, 224, 16, 3, 1, relu), layer(16, 224, 16, 3, 1, relu), layer(16, 112, 32, 3, 1, relu),
		layer(32, 112, 32, 3, 1, relu), layer(32, 56, 64, 3, 1, relu), layer(64, 56, 64, 3, 1, relu),
		layer(64, 28, 128, 3, 1, relu), layer(128, 28, 128, 3, 1, relu), layer(128, 14, 128, 3, 1, relu))
	// YOLOv2 at 416 (darknet-19 and the head), tiny YOLOv2, and the slim
	// versions (/8, /4).
	add(layer(3, 416, 32, 3, 1, leaky), layer(32, 208, 64, 3, 1, leaky), layer(64, 104, 128, 3, 1, leaky),
		layer(128, 104, 64, 1, 1, leaky), layer(128, 52, 256, 3, 1, leaky), layer(256, 52, 128, 1, 1, leaky),
		layer(256, 26, 512, 3, 1, leaky), layer(512, 26, 256, 1, 1, leaky), layer(512, 13, 1024, 3, 1, leaky),
		layer(1024, 13, 512, 1, 1, leaky), layer(1024, 13, 1024, 3, 1, leaky), layer(512, 26, 64, 1, 1, leaky),
		layer(1280, 13, 1024, 3, 1, leaky), layer(1024, 13, 125, 1, 1, none))
	add(layer(3, 416, 16, 3, 1, leaky), layer(16, 208, 32, 3, 1, leaky), layer(32, 104, 64, 3, 1, leaky),
		layer(64, 52, 128, 3, 1, leaky), layer(128, 26, 256, 3, 1, leaky), layer(256, 13, 512, 3, 1, leaky),
		layer(512, 13, 1024, 3, 1, leaky))
	add(layer(3, 416, 4, 3, 1, leaky), layer(4, 208, 8, 3, 1, leaky), layer(8, 104, 16, 3, 1, leaky),
		layer(16, 104, 8, 1, 1, leaky), layer(16, 52, 32, 3, 1, leaky), layer(32, 26, 64, 3, 1, leaky),
		layer(64, 26, 32, 1, 1, leaky), layer(64, 13, 128, 3, 1, leaky), layer(160, 13, 128, 3, 1, leaky),
		layer(128, 13, 125, 1, 1, none))
	// ResNet-50 at 224 (torchvision: the stride in the 3x3; residual sums
	// fused into the last 1x1 of each block) and resnet18_tiny's widths.
	add(layer(3, 224, 64, 7, 2, relu), layer(64, 56, 64, 1, 1, relu), layer(64, 56, 64, 3, 1, relu),
		withSum(layer(64, 56, 256, 1, 1, relu)), layer(256, 56, 64, 1, 1, relu), layer(256, 56, 128, 1, 1, relu),
		layer(128, 56, 128, 3, 2, relu), withSum(layer(128, 28, 512, 1, 1, relu)), layer(256, 56, 512, 1, 2, none),
		layer(512, 28, 128, 1, 1, relu), layer(128, 28, 128, 3, 1, relu), layer(512, 28, 256, 1, 1, relu),
		layer(256, 28, 256, 3, 2, relu), withSum(layer(256, 14, 1024, 1, 1, relu)), layer(512, 28, 1024, 1, 2, none),
		layer(1024, 14, 256, 1, 1, relu), layer(256, 14, 256, 3, 1, relu), layer(1024, 14, 512, 1, 1, relu),
		layer(512, 14, 512, 3, 2, relu), withSum(layer(512, 7, 2048, 1, 1, relu)), layer(1024, 14, 2048, 1, 2, none),
		layer(2048, 7, 512, 1, 1, relu), layer(512, 7, 512, 3, 1, relu))
	add(layer(3, 224, 16, 7, 2, relu), layer(16, 56, 16, 3, 1, relu), withSum(layer(16, 56, 16, 3, 1, relu)),
		layer(16, 56, 32, 3, 2, relu), layer(16, 56, 32, 1, 2, none), withSum(layer(32, 28, 32, 3, 1, relu)),
		layer(64, 14, 64, 3, 1, relu), layer(128, 7, 128, 3, 1, relu))
	// MobileNetV2 at 224 and at width 0.5: first layer, depthwise 3x3
	// (stride 1 and 2), expansions and projections (with residual sums).
	add(layer(3, 224, 32, 3, 2, relu6), layer(3, 224, 16, 3, 2, relu6))
	for _, m := range []struct{ c, hw, s int }{
		{32, 112, 1}, {96, 112, 2}, {144, 56, 1}, {144, 56, 2}, {192, 28, 1}, {192, 28, 2},
		{384, 14, 1}, {576, 14, 1}, {576, 14, 2}, {960, 7, 1}, {16, 112, 1}, {48, 112, 2}, {72, 56, 2},
		{96, 28, 1}, {288, 14, 1}, {480, 7, 1},
	} {
		add(depthwise(m.c, m.hw, m.s, relu6))
	}
	add(layer(32, 112, 16, 1, 1, none), layer(16, 112, 96, 1, 1, relu6), layer(96, 56, 24, 1, 1, none),
		layer(24, 56, 144, 1, 1, relu6), withSum(layer(144, 56, 24, 1, 1, none)), layer(144, 28, 32, 1, 1, none),
		layer(32, 28, 192, 1, 1, relu6), withSum(layer(192, 28, 32, 1, 1, none)), layer(192, 14, 64, 1, 1, none),
		layer(64, 14, 384, 1, 1, relu6), withSum(layer(384, 14, 64, 1, 1, none)), layer(384, 14, 96, 1, 1, none),
		layer(96, 14, 576, 1, 1, relu6), layer(576, 7, 160, 1, 1, none), layer(160, 7, 960, 1, 1, relu6),
		withSum(layer(960, 7, 160, 1, 1, none)), layer(960, 7, 320, 1, 1, none), layer(320, 7, 1280, 1, 1, relu6),
		layer(16, 112, 8, 1, 1, none), layer(8, 112, 48, 1, 1, relu6), layer(48, 56, 16, 1, 1, none),
		layer(96, 14, 32, 1, 1, none), layer(288, 14, 48, 1, 1, none), layer(480, 7, 160, 1, 1, none))
	// DenseNet-121 at 224 (7x7 stem; bottleneck 1x1 to 128, 3x3 to 32,
	// the inputs growing by 32 per layer; transitions) and densenet_k12's
	// growth of 12.
	add(layer(3, 224, 64, 7, 2, none), layer(96, 56, 128, 1, 1, none), layer(224, 56, 128, 1, 1, none),
		layer(128, 56, 32, 3, 1, none), layer(256, 56, 128, 1, 1, none), layer(320, 28, 128, 1, 1, none),
		layer(128, 28, 32, 3, 1, none), layer(480, 28, 128, 1, 1, none), layer(512, 28, 256, 1, 1, none),
		layer(640, 14, 128, 1, 1, none), layer(128, 14, 32, 3, 1, none), layer(992, 14, 128, 1, 1, none),
		layer(1024, 14, 512, 1, 1, none), layer(768, 7, 128, 1, 1, none), layer(128, 7, 32, 3, 1, none))
	add(layer(3, 224, 24, 7, 2, none), layer(48, 56, 48, 1, 1, none), layer(48, 56, 12, 3, 1, none),
		layer(84, 28, 48, 1, 1, none), layer(48, 28, 12, 3, 1, none), layer(48, 14, 12, 3, 1, none))
	// Wide 3x3 layers on planes of 28 rows and more (Winograd on AVX2),
	// beyond VGG-16's.
	add(layer(256, 28, 256, 3, 1, relu), layer(384, 28, 384, 3, 1, none), layer(256, 40, 256, 3, 1, leaky),
		layer(512, 30, 256, 3, 1, relu), rect(256, 28, 56, 256), rect(320, 36, 28, 320))
	return out
}

// rect is an h x w 3x3 layer with Relu.
func rect(cin, h, w, cout int) convSpec {
	c := layer(cin, h, cout, 3, 1, relu)
	c.w = w
	return c
}

func withSum(c convSpec) convSpec {
	c.sum = true
	return c
}

func depthwise(c, hw, stride int, act graphir.Op) convSpec {
	s := layer(c, hw, c, 3, stride, act)
	s.grp = c
	return s
}
