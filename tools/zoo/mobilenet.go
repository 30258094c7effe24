package zoo

import "fmt"

// mobilenetV2 is torchvision's mobilenet_v2 at width 1.0: ReLU6 exports as
// Clip with constant bounds, depthwise convs have group = channels, and
// Dropout is dropped in inference mode. In the dynamo style its classifier
// is the MatMul + Add form of nn.Linear (the other models use Gemm).
func mobilenetV2(b *builder, x value) value {
	x = convBNReLU6(b, "features.0", x, 32, 3, 2, 1)
	settings := []struct{ t, c, n, s int64 }{
		{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
		{6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1},
	}
	i := 1
	for _, st := range settings {
		for j := range st.n {
			stride := st.s
			if j > 0 {
				stride = 1
			}
			x = invertedResidual(b, fmt.Sprintf("features.%d", i), x, st.c, stride, st.t)
			i++
		}
	}
	x = convBNReLU6(b, fmt.Sprintf("features.%d", i), x, 1280, 1, 1, 1)
	x = b.globalAvgPool("", x)
	x = b.flatten("", x)
	return b.linearMatMul("classifier.1", x, 1000)
}

// convBNReLU6 is torchvision's Conv2dNormActivation with ReLU6; groups > 1
// means depthwise (groups = channels).
func convBNReLU6(b *builder, q string, x value, out, k, stride, groups int64) value {
	x = b.conv(q+".0", x, out, k, stride, (k-1)/2, groups, false)
	return b.relu6(q+".2", b.bn(q+".1", x))
}

func invertedResidual(b *builder, q string, x value, out, stride, expand int64) value {
	in := x.shape[1]
	hidden := in * expand
	y := x
	i := 0
	next := func() string { s := fmt.Sprintf("%s.conv.%d", q, i); i++; return s }
	if expand != 1 {
		y = convBNReLU6(b, next(), y, hidden, 1, 1, 1)
	}
	y = convBNReLU6(b, next(), y, hidden, 3, stride, hidden)
	y = b.conv(next(), y, out, 1, 1, 0, 1, false)
	y = b.bn(next(), y)
	if stride == 1 && in == out {
		return b.add(q, x, y)
	}
	return y
}
