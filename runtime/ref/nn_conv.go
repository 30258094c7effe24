package ref

import "github.com/edgectl/edgectl/graphir"

func init() {
	Register(graphir.OpConv, convKernel)
	Register(graphir.OpConvTranspose, convTransposeKernel)
}

// convKernel computes a grouped, strided, dilated, padded convolution with
// any number of spatial axes directly from its definition; in 2-D:
//
//	y[b, oc, oy, ox] = bias[oc] + sum over ic in oc's group, ky, kx of
//	    x[b, ic, oy*sh - padTop + ky*dh, ox*sw - padLeft + kx*dw] * w[oc, ic - group start, ky, kx]
//
// with x zero outside the input. W has shape [Cout, Cin/group, k...]. Sums
// are accumulated in float64.
func convKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, w, y := in[0], in[1], out[0]
	win, err := nnWindowOf(n, len(x.Shape))
	if err != nil {
		return err
	}
	bias := nnBiasData(in, 2)
	group := int(n.Attrs["group"].Int)
	batch, cin, cout := x.Shape[0], x.Shape[1], y.Shape[1]
	cinG, coutG := cin/group, cout/group
	inSp, outSp := x.Shape[2:], y.Shape[2:]
	inPlane, outPlane, kSize := inSp.Size(), outSp.Size(), win.kernel.Size()
	for o := 0; o < outPlane; o++ {
		taps := win.taps(o, outSp, inSp)
		for b := 0; b < batch; b++ {
			for oc := 0; oc < cout; oc++ {
				first := (oc / coutG) * cinG // first input channel of the group
				sum := 0.0
				if bias != nil {
					sum = float64(bias[oc])
				}
				for ic := 0; ic < cinG; ic++ {
					xPlane := x.F[(b*cin+first+ic)*inPlane:]
					wKer := w.F[(oc*cinG+ic)*kSize:]
					for _, t := range taps {
						sum += float64(xPlane[t.at]) * float64(wKer[t.k])
					}
				}
				y.F[(b*cout+oc)*outPlane+o] = float32(sum)
			}
		}
	}
	return nil
}

// convTransposeKernel scatters each input element through the kernel; in 2-D:
//
//	y[b, oc, iy*sh - padTop + ky*dh, ix*sw - padLeft + kx*dw] += x[b, ic, iy, ix] * w[ic, oc - group start, ky, kx]
//
// for ic in oc's group, dropping positions outside the output, then adds
// the bias. W has shape [Cin, Cout/group, k...]. Sums are in float64.
func convTransposeKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, w, y := in[0], in[1], out[0]
	win, err := nnWindowOf(n, len(x.Shape))
	if err != nil {
		return err
	}
	bias := nnBiasData(in, 2)
	group := int(n.Attrs["group"].Int)
	batch, cin, cout := x.Shape[0], x.Shape[1], y.Shape[1]
	cinG, coutG := cin/group, cout/group
	inSp, outSp := x.Shape[2:], y.Shape[2:]
	inPlane, outPlane, kSize := inSp.Size(), outSp.Size(), win.kernel.Size()
	acc := make([]float64, len(y.F))
	for i := 0; i < inPlane; i++ {
		taps := win.taps(i, inSp, outSp)
		for b := 0; b < batch; b++ {
			for ic := 0; ic < cin; ic++ {
				v := float64(x.F[(b*cin+ic)*inPlane+i])
				for j := 0; j < coutG; j++ {
					oc := (ic/cinG)*coutG + j
					wKer := w.F[(ic*coutG+j)*kSize:]
					yPlane := acc[(b*cout+oc)*outPlane:]
					for _, t := range taps {
						yPlane[t.at] += v * float64(wKer[t.k])
					}
				}
			}
		}
	}
	for i := range acc {
		if bias != nil {
			acc[i] += float64(bias[(i/outPlane)%cout])
		}
		y.F[i] = float32(acc[i])
	}
	return nil
}
