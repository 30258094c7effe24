package graphir

import "fmt"

// Helpers shared by the neural-network ops (ops_nn*.go). Their names start
// with nn so they cannot clash with helpers of other op files.

// nnFloatIn checks that input i is present and float32 and returns it.
func nnFloatIn(n *Node, i int, what string) (*Value, error) {
	v := n.In(i)
	if v == nil {
		return nil, fmt.Errorf("%s input %d is missing", what, i)
	}
	if v.DType != Float32 {
		return nil, fmt.Errorf("%s input %d %q is %s, want float32", what, i, v.Name, v.DType)
	}
	return v, nil
}

// nnDataIn checks that n has between minIn and maxIn inputs and that input
// 0 is a float32 tensor of at least minRank axes (N, C, ...), and returns it:
// the common start of the norm and global-pool ops.
func nnDataIn(n *Node, minIn, maxIn, minRank int) (*Value, error) {
	if err := NeedInputs(n, minIn, maxIn); err != nil {
		return nil, err
	}
	x, err := nnFloatIn(n, 0, "data")
	if err != nil {
		return nil, err
	}
	if len(x.Shape) < minRank {
		want := "(N, C, ...)"
		if minRank > 2 {
			want = "(N, C, spatial...)"
		}
		return nil, fmt.Errorf("input %q has rank %d, want at least %d %s", x.Name, len(x.Shape), minRank, want)
	}
	return x, nil
}

// nnImageIn checks input i is a float32 NC... tensor with 1 to maxSpatial
// spatial axes and returns it with its number of spatial axes.
func nnImageIn(n *Node, i int, what string, maxSpatial int) (*Value, int, error) {
	v, err := nnFloatIn(n, i, what)
	if err != nil {
		return nil, 0, err
	}
	if len(v.Shape) < 3 {
		return nil, 0, fmt.Errorf("%s input %q has rank %d, want at least 3 (N, C, spatial...)", what, v.Name, len(v.Shape))
	}
	spatial := len(v.Shape) - 2
	if spatial > maxSpatial {
		return nil, 0, fmt.Errorf("%d-d %s is not supported", spatial, nnKind(n.Op))
	}
	return v, spatial, nil
}

// nnKind names the family of a windowed op for error messages.
func nnKind(o Op) string {
	switch o {
	case OpConv, OpConvTranspose:
		return "convolution"
	}
	return "pooling"
}

// nnInts reads an ints attribute of length want (def when absent), each
// value at least min.
func nnInts(r *Reader, name string, want int, def int64, min int64) []int64 {
	if !r.Has(name) {
		out := make([]int64, want)
		for i := range out {
			out[i] = def
		}
		return out
	}
	v := r.Ints(name, nil)
	if r.Err() != nil {
		return nil
	}
	if len(v) != want {
		r.Fail("attribute %q has %d values, want %d", name, len(v), want)
		return nil
	}
	for _, x := range v {
		if x < min {
			r.Fail("attribute %q value %d is below %d", name, x, min)
			return nil
		}
	}
	return append([]int64(nil), v...)
}

// nnWindow is the normalised geometry of a sliding-window op (Conv and the
// pools) over the spatial axes: one value per spatial axis, and pads as
// [x1_begin, x2_begin, ..., x1_end, x2_end, ...].
type nnWindow struct {
	kernel, strides, dilations, pads []int64
}

// nnReadWindow reads strides, dilations, pads and auto_pad for an op whose
// kernel extent is known, and computes the spatial output size. ceil selects
// ceil_mode for explicit pads (pools only).
func nnReadWindow(r *Reader, in Shape, kernel []int64, ceil bool) (nnWindow, []int, error) {
	spatial := len(kernel)
	w := nnWindow{kernel: kernel}
	w.strides = nnInts(r, "strides", spatial, 1, 1)
	w.dilations = nnInts(r, "dilations", spatial, 1, 1)
	autoPad := r.String("auto_pad", "NOTSET")
	if autoPad == "NOTSET" {
		w.pads = nnInts(r, "pads", 2*spatial, 0, 0)
	}
	if err := r.Err(); err != nil {
		return w, nil, err
	}
	out := make([]int, spatial)
	switch autoPad {
	case "NOTSET":
		for i := 0; i < spatial; i++ {
			ext := (kernel[i]-1)*w.dilations[i] + 1
			span := int64(in[i]) + w.pads[i] + w.pads[spatial+i] - ext
			if span < 0 {
				return w, nil, fmt.Errorf("kernel extent %d exceeds padded input %d along spatial axis %d", ext, int64(in[i])+w.pads[i]+w.pads[spatial+i], i)
			}
			o := span/w.strides[i] + 1
			if ceil && span%w.strides[i] != 0 {
				o++
				// The last window must start inside the input or the begin pad.
				if (o-1)*w.strides[i] >= int64(in[i])+w.pads[i] {
					o--
				}
			}
			out[i] = int(o)
		}
	case "VALID":
		w.pads = make([]int64, 2*spatial)
		for i := 0; i < spatial; i++ {
			ext := (kernel[i]-1)*w.dilations[i] + 1
			if int64(in[i]) < ext {
				return w, nil, fmt.Errorf("kernel extent %d exceeds input %d along spatial axis %d", ext, in[i], i)
			}
			out[i] = int((int64(in[i])-ext)/w.strides[i] + 1)
		}
	case "SAME_UPPER", "SAME_LOWER":
		w.pads = make([]int64, 2*spatial)
		for i := 0; i < spatial; i++ {
			ext := (kernel[i]-1)*w.dilations[i] + 1
			o := (int64(in[i]) + w.strides[i] - 1) / w.strides[i]
			total := (o-1)*w.strides[i] + ext - int64(in[i])
			if total < 0 {
				total = 0
			}
			small, big := total/2, total-total/2
			if autoPad == "SAME_UPPER" {
				w.pads[i], w.pads[spatial+i] = small, big
			} else {
				w.pads[i], w.pads[spatial+i] = big, small
			}
			out[i] = int(o)
		}
	default:
		return w, nil, fmt.Errorf("auto_pad %q is not supported", autoPad)
	}
	for i, o := range out {
		if o < 1 {
			return w, nil, fmt.Errorf("output size %d along spatial axis %d", o, i)
		}
	}
	return w, out, nil
}

// store writes the normalised geometry into attrs and drops auto_pad.
func (w nnWindow) store(a Attrs) {
	a.SetInts("kernel_shape", w.kernel)
	a.SetInts("strides", w.strides)
	a.SetInts("dilations", w.dilations)
	a.SetInts("pads", w.pads)
	delete(a, "auto_pad")
}

// nnProd multiplies the ints of s as int64.
func nnProd(s []int) int64 {
	p := int64(1)
	for _, d := range s {
		p *= int64(d)
	}
	return p
}

// nnOutSize is the number of elements of output 0, or 0.
func nnOutSize(n *Node) int64 {
	if len(n.Outputs) == 0 || n.Outputs[0] == nil {
		return 0
	}
	return int64(n.Outputs[0].Shape.Size())
}

// nnInSize is the number of elements of input i, or 0.
func nnInSize(n *Node, i int) int64 {
	if v := n.In(i); v != nil {
		return int64(v.Shape.Size())
	}
	return 0
}

// nnAttrs returns n.Attrs, creating the map when the node has none, so an
// infer function can store normalised attributes.
func nnAttrs(n *Node) Attrs {
	if n.Attrs == nil {
		n.Attrs = Attrs{}
	}
	return n.Attrs
}
