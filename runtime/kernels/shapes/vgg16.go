// Package shapes lists the layer shapes of reference models that the
// kernel benchmarks (runtime/kernels) and the plugin benchmark (tools/bench)
// both time, so that there is one copy. It imports nothing.
package shapes

// Conv is one convolution layer shape of a model: 3x3, stride 1,
// pads 1, on a square input.
type Conv struct {
	Name       string
	CIn, COut  int
	Size       int // input height = width
	Count      int // how many layers of the model have this shape
	FirstLayer int // index of the first such layer in the model's conv order
}

// FLOPs counts a multiply and an add as two (bias and activation not
// counted).
func (c Conv) FLOPs() float64 {
	return 2 * float64(c.COut) * float64(c.Size*c.Size) * float64(c.CIn*9)
}

// vgg16Convs are VGG-16's 13 convolutions at a 224x224 input.
var vgg16Convs = []Conv{
	{Name: "conv1_1", CIn: 3, COut: 64, Size: 224}, {Name: "conv1_2", CIn: 64, COut: 64, Size: 224},
	{Name: "conv2_1", CIn: 64, COut: 128, Size: 112}, {Name: "conv2_2", CIn: 128, COut: 128, Size: 112},
	{Name: "conv3_1", CIn: 128, COut: 256, Size: 56}, {Name: "conv3_2", CIn: 256, COut: 256, Size: 56}, {Name: "conv3_3", CIn: 256, COut: 256, Size: 56},
	{Name: "conv4_1", CIn: 256, COut: 512, Size: 28}, {Name: "conv4_2", CIn: 512, COut: 512, Size: 28}, {Name: "conv4_3", CIn: 512, COut: 512, Size: 28},
	{Name: "conv5_1", CIn: 512, COut: 512, Size: 14}, {Name: "conv5_2", CIn: 512, COut: 512, Size: 14}, {Name: "conv5_3", CIn: 512, COut: 512, Size: 14},
}

// VGG16Convs lists VGG-16's 13 convolutions in order, each with Count 1.
func VGG16Convs() []Conv {
	out := append([]Conv(nil), vgg16Convs...)
	for i := range out {
		out[i].Count, out[i].FirstLayer = 1, i
	}
	return out
}

// VGG16ConvsMerged lists VGG-16's distinct convolution shapes, consecutive
// layers of one shape merged (conv3_2-3, conv4_2-3, conv5_1-3), with how
// many layers share each.
func VGG16ConvsMerged() []Conv {
	var out []Conv
	for i, l := range vgg16Convs {
		if k := len(out) - 1; k >= 0 && out[k].CIn == l.CIn && out[k].COut == l.COut && out[k].Size == l.Size {
			out[k].Count++
			out[k].Name = vgg16Convs[out[k].FirstLayer].Name + "-" + l.Name[len(l.Name)-1:]
			continue
		}
		l.Count, l.FirstLayer = 1, i
		out = append(out, l)
	}
	return out
}
