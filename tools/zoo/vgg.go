package zoo

import "strconv"

// vgg16 is torchvision's vgg16 (configuration "D", no batch norm). At 224x224
// the adaptive 7x7 average pool sees a 7x7 map and exports as a 1x1
// AveragePool; Dropout is dropped in inference mode.
func vgg16(b *builder, x value) value {
	cfg := []int64{64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0} // 0: max pool
	i := 0
	feat := func() string { s := "features." + strconv.Itoa(i); i++; return s }
	for _, c := range cfg {
		if c == 0 {
			x = b.maxPool(feat(), x, 2, 2, 0)
			continue
		}
		x = b.conv(feat(), x, c, 3, 1, 1, 1, true)
		x = b.relu(feat(), x)
	}
	check(sameShape(x.shape, []int64{1, 512, 7, 7}), "vgg16: features %v", x.shape)
	x = b.node("avgpool", "AveragePool", []string{x.name}, x.shape,
		attrInts("kernel_shape", 1, 1),
		attrInts("strides", 1, 1))
	x = b.flatten("", x)
	x = b.relu("classifier.1", b.linear("classifier.0", x, 4096))
	x = b.relu("classifier.4", b.linear("classifier.3", x, 4096))
	return b.linear("classifier.6", x, 1000)
}
