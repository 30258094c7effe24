//go:build wasip1

// Command goscalar is an example kernel plugin written in Go: scalar
// convolution (any listed kernel, stride, dilation), depthwise convolution,
// GEMM and max/average pooling, with the bias and ReLU epilogue. It shows
// the ABI (plugins/ABI.md) from Go; it is not fast.
//
// Build (make plugins does):
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o goscalar.wasm .
//
// -buildmode=c-shared makes a reactor: the host runs _initialize once per
// instance, then calls the //go:wasmexport functions. The Go runtime
// imports a few wasi_snapshot_preview1 functions (clock, random, fd_write,
// poll_oneoff, proc_exit, args and environ); the host answers them without
// any file system, network or real clock.
package main

import "unsafe"

const manifest = `{"abi":1,"name":"edgek-goscalar","version":"1.0.0","vendor":"edgectl examples",
"kernels":[
{"op":"conv2d","dtypes":["float32"],"layouts":["NCHW"],"kernel_sizes":[[1,1],[3,3],[5,5],[7,7],[1,3],[3,1]],
 "strides":[[1,1],[2,2]],"dilations":[[1,1],[2,2]],"epilogues":["none","relu"]},
{"op":"dwconv2d","dtypes":["float32"],"layouts":["NCHW"],"kernel_sizes":[[3,3],[5,5]],
 "strides":[[1,1],[2,2]],"epilogues":["none","relu"]},
{"op":"gemm","dtypes":["float32"],"layouts":["row_major"],"epilogues":["none","relu"]},
{"op":"maxpool2d","dtypes":["float32"],"layouts":["NCHW"],"kernel_sizes":[[2,2],[3,3]],"strides":[[1,1],[2,2]]},
{"op":"avgpool2d","dtypes":["float32"],"layouts":["NCHW"],"kernel_sizes":[[2,2],[3,3],[7,7]],"strides":[[1,1],[2,2]]}
]}`

// Status codes and op kinds of ABI 1.
const (
	statusOK          = 0
	statusInvalid     = -1
	statusNoMemory    = -2
	statusUnsupported = -3
	statusBadHandle   = -4

	opConv2D    = 1
	opDWConv2D  = 2
	opGemm      = 3
	opMaxPool2D = 4
	opAvgPool2D = 5

	epilogueReLU = 1
)

// opDesc is edgek_op and tile is edgek_tile (16 int32 each).
type opDesc struct {
	Op, CIn, COut, KH, KW, SH, SW, DH, DW, Epilogue, Weights, Bias, MaxInH, MaxInW, Flags, Reserved int32
}

type tile struct {
	In, InC, InH, InW, Out, OutH, OutW, OC0, OC1, ResC, ResH, ResW int32
	Reserved                                                       [4]int32
}

var manifestBytes = []byte(manifest)

// live keeps every buffer handed out by edgek_alloc reachable, so the
// garbage collector (which does not move objects) never frees it.
var live = map[int32][]byte{}

//go:wasmexport edgek_abi_version
func abiVersion() int32 { return 1 }

//go:wasmexport edgek_manifest_ptr
func manifestPtr() int32 { return int32(uintptr(unsafe.Pointer(&manifestBytes[0]))) }

//go:wasmexport edgek_manifest_len
func manifestLen() int32 { return int32(len(manifestBytes)) }

//go:wasmexport edgek_alloc
func alloc(n int32) int32 {
	if n < 0 {
		return 0
	}
	// Over-allocate to return a 16-byte aligned pointer.
	b := make([]byte, int(n)+16)
	p := (uintptr(unsafe.Pointer(&b[0])) + 15) &^ 15
	live[int32(p)] = b
	return int32(p)
}

//go:wasmexport edgek_free
func free(p int32) { delete(live, p) }

func floats(p int32, n int) []float32 {
	if p == 0 || n == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(uintptr(p))), n)
}

// kernel is a prepared node: its descriptor and its weights, copied out of
// the host's buffers (which are then freed).
type kernel struct {
	d       opDesc
	weights []float32
	bias    []float32
}

var handles = map[int32]*kernel{}
var nextHandle int32

func prepare(descPtr int32, ops ...int32) int32 {
	d := *(*opDesc)(unsafe.Pointer(uintptr(descPtr)))
	ok := false
	for _, op := range ops {
		ok = ok || d.Op == op
	}
	if !ok || d.CIn < 1 || d.COut < 1 || d.KH < 1 || d.KW < 1 || d.SH < 1 || d.SW < 1 || d.DH < 1 || d.DW < 1 {
		return statusInvalid
	}
	if d.Epilogue != 0 && d.Epilogue != epilogueReLU {
		return statusUnsupported
	}
	k := &kernel{d: d}
	var nw int
	switch d.Op {
	case opConv2D:
		nw = int(d.COut * d.CIn * d.KH * d.KW)
	case opDWConv2D:
		nw = int(d.COut * d.KH * d.KW)
	case opGemm:
		nw = int(d.CIn * d.COut)
	}
	k.weights = append([]float32(nil), floats(d.Weights, nw)...)
	if d.Bias != 0 {
		k.bias = append([]float32(nil), floats(d.Bias, int(d.COut))...)
	}
	free(d.Weights)
	free(d.Bias)
	nextHandle++
	handles[nextHandle] = k
	return nextHandle
}

//go:wasmexport edgek_conv2d_prepare
func conv2dPrepare(d int32) int32 { return prepare(d, opConv2D) }

//go:wasmexport edgek_dwconv2d_prepare
func dwconv2dPrepare(d int32) int32 { return prepare(d, opDWConv2D) }

//go:wasmexport edgek_gemm_prepare
func gemmPrepare(d int32) int32 { return prepare(d, opGemm) }

//go:wasmexport edgek_pool2d_prepare
func pool2dPrepare(d int32) int32 { return prepare(d, opMaxPool2D, opAvgPool2D) }

//go:wasmexport edgek_release
func release(h int32) { delete(handles, h) }

func (k *kernel) act(v float32, c int) float32 {
	if k.bias != nil {
		v += k.bias[c]
	}
	if k.d.Epilogue == epilogueReLU && v < 0 {
		return 0
	}
	return v
}

func run(h, tilePtr int32, ops ...int32) int32 {
	k, ok := handles[h]
	if !ok {
		return statusBadHandle
	}
	match := false
	for _, op := range ops {
		match = match || k.d.Op == op
	}
	if !match {
		return statusBadHandle
	}
	t := (*tile)(unsafe.Pointer(uintptr(tilePtr)))
	d := &k.d
	if t.OC0 < 0 || t.OC1 > d.COut || t.OC0 >= t.OC1 || t.OutH < 1 || t.OutW < 1 {
		return statusInvalid
	}
	if d.Op == opGemm {
		if st := k.gemm(t); st != statusOK {
			return st
		}
		t.ResC, t.ResH, t.ResW = 1, t.OutH, t.OutW
		return statusOK
	}
	if t.InH != (t.OutH-1)*d.SH+(d.KH-1)*d.DH+1 || t.InW != (t.OutW-1)*d.SW+(d.KW-1)*d.DW+1 {
		return statusInvalid
	}
	k.window(t)
	t.ResC, t.ResH, t.ResW = t.OC1-t.OC0, t.OutH, t.OutW
	return statusOK
}

//go:wasmexport edgek_conv2d_run
func conv2dRun(h, t int32) int32 { return run(h, t, opConv2D) }

//go:wasmexport edgek_dwconv2d_run
func dwconv2dRun(h, t int32) int32 { return run(h, t, opDWConv2D) }

//go:wasmexport edgek_gemm_run
func gemmRun(h, t int32) int32 { return run(h, t, opGemm) }

//go:wasmexport edgek_pool2d_run
func pool2dRun(h, t int32) int32 { return run(h, t, opMaxPool2D, opAvgPool2D) }

// window computes a VALID convolution or pooling on the padded tile.
func (k *kernel) window(t *tile) {
	d := &k.d
	ih, iw, oh, ow := int(t.InH), int(t.InW), int(t.OutH), int(t.OutW)
	kh, kw, sh, sw, dh, dw := int(d.KH), int(d.KW), int(d.SH), int(d.SW), int(d.DH), int(d.DW)
	in := floats(t.In, int(t.InC)*ih*iw)
	out := floats(t.Out, int(t.OC1-t.OC0)*oh*ow)
	for c := int(t.OC0); c < int(t.OC1); c++ {
		o := out[(c-int(t.OC0))*oh*ow:]
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				var v float32
				switch d.Op {
				case opConv2D:
					cin := int(d.CIn)
					for ic := 0; ic < cin; ic++ {
						w := k.weights[(c*cin+ic)*kh*kw:]
						plane := in[ic*ih*iw:]
						for ky := 0; ky < kh; ky++ {
							for kx := 0; kx < kw; kx++ {
								v += w[ky*kw+kx] * plane[(y*sh+ky*dh)*iw+x*sw+kx*dw]
							}
						}
					}
					v = k.act(v, c)
				case opDWConv2D:
					w := k.weights[c*kh*kw:]
					plane := in[(c-int(t.OC0))*ih*iw:]
					for ky := 0; ky < kh; ky++ {
						for kx := 0; kx < kw; kx++ {
							v += w[ky*kw+kx] * plane[(y*sh+ky*dh)*iw+x*sw+kx*dw]
						}
					}
					v = k.act(v, c)
				case opMaxPool2D, opAvgPool2D:
					plane := in[(c-int(t.OC0))*ih*iw:]
					v = plane[(y*sh)*iw+x*sw]
					var sum float32
					for ky := 0; ky < kh; ky++ {
						for kx := 0; kx < kw; kx++ {
							p := plane[(y*sh+ky*dh)*iw+x*sw+kx*dw]
							sum += p
							if p > v {
								v = p
							}
						}
					}
					if d.Op == opAvgPool2D {
						v = sum / float32(kh*kw)
					}
				}
				o[y*ow+x] = v
			}
		}
	}
}

// gemm computes rows of Y[:, oc0:oc1] = A B + bias.
func (k *kernel) gemm(t *tile) int32 {
	K, N := int(k.d.CIn), int(k.d.COut)
	m := int(t.InH)
	if t.InC != 1 || int(t.InW) != K || t.OutH != t.InH || t.OutW != t.OC1-t.OC0 {
		return statusInvalid
	}
	a := floats(t.In, m*K)
	out := floats(t.Out, m*int(t.OutW))
	for i := 0; i < m; i++ {
		for j := int(t.OC0); j < int(t.OC1); j++ {
			var v float32
			for p := 0; p < K; p++ {
				v += a[i*K+p] * k.weights[p*N+j]
			}
			out[i*int(t.OutW)+j-int(t.OC0)] = k.act(v, j)
		}
	}
	return statusOK
}

func main() {}
