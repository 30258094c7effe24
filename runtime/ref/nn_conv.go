package ref

import "github.com/edgectl/edgectl/graphir"

func init() {
	Register(graphir.OpConv, convKernel)
	Register(graphir.OpConvTranspose, convTransposeKernel)
}

// convKernel computes a grouped, strided, dilated, padded 1-D or 2-D
// convolution directly from its definition:
//
//	y[b, oc, oy, ox] = bias[oc] + sum over ic in oc's group, ky, kx of
//	    x[b, ic, oy*sh - padT + ky*dh, ox*sw - padL + kx*dw] * w[oc, ic - group start, ky, kx]
//
// with x zero outside the input. Sums are accumulated in float64.
func convKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, w, y := in[0], in[1], out[0]
	g, err := nnGeometry(n, x.Shape, y.Shape)
	if err != nil {
		return err
	}
	bias := nnBiasData(in, 2)
	group := int(n.Attrs["group"].Int)
	cinG, coutG := g.cIn/group, g.cOut/group
	for b := 0; b < g.n; b++ {
		for oc := 0; oc < g.cOut; oc++ {
			first := (oc / coutG) * cinG // first input channel of the group
			for oy := 0; oy < g.oh; oy++ {
				for ox := 0; ox < g.ow; ox++ {
					sum := 0.0
					if bias != nil {
						sum = float64(bias[oc])
					}
					for ic := 0; ic < cinG; ic++ {
						xPlane := x.F[(b*g.cIn+first+ic)*g.inPlane:]
						wKer := w.F[(oc*cinG+ic)*g.kh*g.kw:]
						for ky := 0; ky < g.kh; ky++ {
							iy := oy*g.sh - g.padT + ky*g.dh
							if iy < 0 || iy >= g.h {
								continue
							}
							for kx := 0; kx < g.kw; kx++ {
								ix := ox*g.sw - g.padL + kx*g.dw
								if ix < 0 || ix >= g.w {
									continue
								}
								sum += float64(xPlane[iy*g.w+ix]) * float64(wKer[ky*g.kw+kx])
							}
						}
					}
					y.F[(b*g.cOut+oc)*g.plane+oy*g.ow+ox] = float32(sum)
				}
			}
		}
	}
	return nil
}

// convTransposeKernel scatters each input element through the kernel:
//
//	y[b, oc, iy*sh - padT + ky*dh, ix*sw - padL + kx*dw] += x[b, ic, iy, ix] * w[ic, oc - group start, ky, kx]
//
// for ic in oc's group, dropping positions outside the output, then adds
// the bias. W has shape [Cin, Cout/group, kh, kw]. Sums are in float64.
func convTransposeKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, w, y := in[0], in[1], out[0]
	g, err := nnGeometry(n, x.Shape, y.Shape)
	if err != nil {
		return err
	}
	bias := nnBiasData(in, 2)
	group := int(n.Attrs["group"].Int)
	cinG, coutG := g.cIn/group, g.cOut/group
	acc := make([]float64, len(y.F))
	for b := 0; b < g.n; b++ {
		for ic := 0; ic < g.cIn; ic++ {
			grp := ic / cinG
			xPlane := x.F[(b*g.cIn+ic)*g.inPlane:]
			for j := 0; j < coutG; j++ {
				oc := grp*coutG + j
				wKer := w.F[(ic*coutG+j)*g.kh*g.kw:]
				yPlane := acc[(b*g.cOut+oc)*g.plane:]
				for iy := 0; iy < g.h; iy++ {
					for ix := 0; ix < g.w; ix++ {
						v := float64(xPlane[iy*g.w+ix])
						for ky := 0; ky < g.kh; ky++ {
							oy := iy*g.sh - g.padT + ky*g.dh
							if oy < 0 || oy >= g.oh {
								continue
							}
							for kx := 0; kx < g.kw; kx++ {
								ox := ix*g.sw - g.padL + kx*g.dw
								if ox < 0 || ox >= g.ow {
									continue
								}
								yPlane[oy*g.ow+ox] += v * float64(wKer[ky*g.kw+kx])
							}
						}
					}
				}
			}
		}
	}
	for i := range acc {
		if bias != nil {
			acc[i] += float64(bias[(i/g.plane)%g.cOut])
		}
		y.F[i] = float32(acc[i])
	}
	return nil
}
