package zoo

import "fmt"

// resnet18 is torchvision's resnet18: BasicBlocks [2, 2, 2, 2].
func resnet18(b *builder, x value) value { return resnet(b, x, []int{2, 2, 2, 2}, false) }

// resnet50 is torchvision's resnet50 (v1.5, stride on the 3x3 conv):
// Bottlenecks [3, 4, 6, 3] with expansion 4.
func resnet50(b *builder, x value) value { return resnet(b, x, []int{3, 4, 6, 3}, true) }

func resnet(b *builder, x value, layers []int, bottleneck bool) value {
	x = b.conv("conv1", x, 64, 7, 2, 3, 1, false)
	x = b.relu("relu", b.bn("bn1", x))
	x = b.maxPool("maxpool", x, 3, 2, 1)
	for li, n := range layers {
		planes := int64(64) << li
		for bi := range n {
			stride := int64(1)
			if bi == 0 && li > 0 {
				stride = 2
			}
			q := fmt.Sprintf("layer%d.%d", li+1, bi)
			if bottleneck {
				x = bottleneckBlock(b, q, x, planes, stride)
			} else {
				x = basicBlock(b, q, x, planes, stride)
			}
		}
	}
	x = b.globalAvgPool("avgpool", x)
	x = b.flatten("", x)
	return b.linear("fc", x, 1000)
}

// shortcut is the identity, or downsample (1x1 conv + BN) when the shape changes.
func shortcut(b *builder, q string, x value, out, stride int64) value {
	if stride == 1 && x.shape[1] == out {
		return x
	}
	return b.bn(q+".downsample.1", b.conv(q+".downsample.0", x, out, 1, stride, 0, 1, false))
}

func basicBlock(b *builder, q string, x value, planes, stride int64) value {
	y := b.relu(q+".relu", b.bn(q+".bn1", b.conv(q+".conv1", x, planes, 3, stride, 1, 1, false)))
	y = b.bn(q+".bn2", b.conv(q+".conv2", y, planes, 3, 1, 1, 1, false))
	return b.relu(q+".relu_1", b.add(q, y, shortcut(b, q, x, planes, stride)))
}

func bottleneckBlock(b *builder, q string, x value, planes, stride int64) value {
	y := b.relu(q+".relu", b.bn(q+".bn1", b.conv(q+".conv1", x, planes, 1, 1, 0, 1, false)))
	y = b.relu(q+".relu_1", b.bn(q+".bn2", b.conv(q+".conv2", y, planes, 3, stride, 1, 1, false)))
	y = b.bn(q+".bn3", b.conv(q+".conv3", y, 4*planes, 1, 1, 0, 1, false))
	return b.relu(q+".relu_2", b.add(q, y, shortcut(b, q, x, 4*planes, stride)))
}
