package zoo

import "fmt"

// densenet121 is torchvision's densenet121: growth 32, blocks (6, 12, 24,
// 16), bottleneck width 4*growth, compression 0.5. Each dense layer
// concatenates its inputs itself (a one-input Concat for the first layer),
// then BN-ReLU-Conv1x1-BN-ReLU-Conv3x3; each block ends with a Concat.
func densenet121(b *builder, x value) value {
	const growth, bnSize = 32, 4
	x = b.conv("features.conv0", x, 64, 7, 2, 3, 1, false)
	x = b.relu("features.relu0", b.bn("features.norm0", x))
	x = b.maxPool("features.pool0", x, 3, 2, 1)
	blocks := []int{6, 12, 24, 16}
	for bi, n := range blocks {
		blk := fmt.Sprintf("features.denseblock%d", bi+1)
		feats := []value{x}
		for li := 1; li <= n; li++ {
			q := fmt.Sprintf("%s.denselayer%d", blk, li)
			y := b.concat(q, feats...)
			y = b.relu(q+".relu1", b.bn(q+".norm1", y))
			y = b.conv(q+".conv1", y, bnSize*growth, 1, 1, 0, 1, false)
			y = b.relu(q+".relu2", b.bn(q+".norm2", y))
			y = b.conv(q+".conv2", y, growth, 3, 1, 1, 1, false)
			feats = append(feats, y)
		}
		x = b.concat(blk, feats...)
		if bi < len(blocks)-1 {
			t := fmt.Sprintf("features.transition%d", bi+1)
			x = b.relu(t+".relu", b.bn(t+".norm", x))
			x = b.conv(t+".conv", x, x.shape[1]/2, 1, 1, 0, 1, false)
			x = b.avgPool(t+".pool", x, 2, 2)
		}
	}
	x = b.relu("", b.bn("features.norm5", x))
	x = b.globalAvgPool("", x)
	x = b.flatten("", x)
	return b.linear("classifier", x, 1000)
}
