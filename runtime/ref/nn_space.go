package ref

import "github.com/edgectl/edgectl/graphir"

func init() {
	Register(graphir.OpSpaceToDepth, spaceToDepthKernel)
	Register(graphir.OpDepthToSpace, depthToSpaceKernel)
}

// spaceToDepthKernel moves b x b spatial blocks into channels:
// y[n, (by*b + bx)*C + c, h, w] = x[n, c, h*b + by, w*b + bx].
func spaceToDepthKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0], out[0]
	b := int(n.Attrs["blocksize"].Int)
	batch, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	oh, ow := h/b, w/b
	for bn := 0; bn < batch; bn++ {
		for ch := 0; ch < c; ch++ {
			for iy := 0; iy < h; iy++ {
				for ix := 0; ix < w; ix++ {
					oc := ((iy%b)*b+ix%b)*c + ch
					dst := ((bn*c*b*b+oc)*oh+iy/b)*ow + ix/b
					y.F[dst] = x.F[((bn*c+ch)*h+iy)*w+ix]
				}
			}
		}
	}
	return nil
}

// depthToSpaceKernel moves channels into b x b spatial blocks. With C the
// output channels, DCR reads x[n, (by*b + bx)*C + c, h, w] and CRD reads
// x[n, c*b*b + by*b + bx, h, w] for y[n, c, h*b + by, w*b + bx].
func depthToSpaceKernel(n *graphir.Node, in, out []*graphir.Tensor) error {
	x, y := in[0], out[0]
	b := int(n.Attrs["blocksize"].Int)
	crd := n.Attrs["mode"].Str == "CRD"
	batch, c, oh, ow := y.Shape[0], y.Shape[1], y.Shape[2], y.Shape[3]
	h, w := x.Shape[2], x.Shape[3]
	for bn := 0; bn < batch; bn++ {
		for ch := 0; ch < c; ch++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					by, bx := oy%b, ox%b
					ic := (by*b+bx)*c + ch
					if crd {
						ic = ch*b*b + by*b + bx
					}
					src := ((bn*c*b*b+ic)*h+oy/b)*w + ox/b
					y.F[((bn*c+ch)*oh+oy)*ow+ox] = x.F[src]
				}
			}
		}
	}
	return nil
}
