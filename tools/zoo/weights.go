package zoo

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/edgectl/edgectl/importer/onnxpb"
)

// paramKind says how an initializer's values are drawn. All draws are
// uniform; weights use He scale, U(-sqrt(6/fan_in), +sqrt(6/fan_in)), whose
// standard deviation is sqrt(2/fan_in), so activations keep their scale
// through ReLU layers.
type paramKind int

const (
	kindWeight paramKind = iota // conv/linear weight: U(±sqrt(6/fan_in)), std sqrt(2/fan_in)
	kindBias                    // conv/linear bias: U(±1/sqrt(fan_in)), PyTorch's default
	kindGamma                   // BN scale: U(0.9, 1.1)
	kindBeta                    // BN shift: U(-0.1, 0.1)
	kindMean                    // BN running mean: U(-0.1, 0.1)
	kindVar                     // BN running variance: U(0.5, 1.5)
	kindFixed                   // a parameter with fixed values (YOLOv8's DFL weights): data
	kindConst                   // a constant the exporter folded into an initializer: data
)

// blockElems is the number of values drawn from one PCG stream. It is part
// of the weight definition: changing it changes every model's bytes.
const blockElems = 1 << 16

// param is one initializer, described but not yet drawn. Drawn kinds are
// float32; kindFixed and kindConst carry their little-endian data.
type param struct {
	name  string
	dims  []int64
	kind  paramKind
	fanIn int64
	// key names the stream the values are drawn from when it differs from
	// name, so that an exporter style which renames or transposes a weight
	// still holds the same values.
	key string
	// transposed: the 2-D values are drawn as [dims[1], dims[0]] (the
	// module's layout) and stored transposed, as a folded weight.T.
	transposed bool
	dtype      onnxpb.TensorProto_DataType // kindFixed, kindConst; FLOAT otherwise
	data       []byte                      // kindFixed, kindConst
}

func (p *param) drawKey() string {
	if p.key != "" {
		return p.key
	}
	return p.name
}

// drawn reports whether p's values come from the seed.
func (p *param) drawn() bool { return p.kind != kindFixed && p.kind != kindConst }

// byteLen is the size of p's raw data.
func (p *param) byteLen() int64 {
	if !p.drawn() {
		return int64(len(p.data))
	}
	return 4 * p.numel()
}

func (p *param) elemType() onnxpb.TensorProto_DataType {
	if !p.drawn() {
		return p.dtype
	}
	return onnxpb.TensorProto_FLOAT
}

// bounds is the interval p's values are drawn from.
func (p *param) bounds() (lo, hi float32) {
	switch p.kind {
	case kindWeight:
		b := float32(math.Sqrt(6 / float64(p.fanIn)))
		return -b, b
	case kindBias:
		b := float32(1 / math.Sqrt(float64(p.fanIn)))
		return -b, b
	case kindGamma:
		return 0.9, 1.1
	case kindBeta, kindMean:
		return -0.1, 0.1
	case kindVar:
		return 0.5, 1.5
	}
	panic(fmt.Sprintf("zoo: param %s: unknown kind %d", p.name, p.kind))
}

func (p *param) numel() int64 { return numel(p.dims) }

// trainable reports whether PyTorch counts p as a parameter; BN running
// statistics are buffers and folded constants are neither.
func (p *param) trainable() bool {
	return p.kind != kindMean && p.kind != kindVar && p.kind != kindConst
}

// buffer reports whether p is a module buffer (BN running statistics).
func (p *param) buffer() bool { return p.kind == kindMean || p.kind == kindVar }

func (p *param) blocks() int64 { return (p.numel() + blockElems - 1) / blockElems }

// fillBlock writes block blk of p's values (little-endian float32) into dst
// and returns the filled prefix. dst must have room for the block.
func (p *param) fillBlock(seed int64, blk int64, dst []byte) []byte {
	n := min(p.numel()-blk*blockElems, blockElems)
	dst = dst[:4*n]
	h := fnv.New64a()
	h.Write([]byte(p.drawKey()))
	pcg := rand.NewPCG(uint64(seed), h.Sum64()+uint64(blk)*0x9e3779b97f4a7c15)
	lo, hi := p.bounds()
	scale := (hi - lo) / (1 << 24) // 24 random bits per value
	for i := 0; i < len(dst); i += 8 {
		r := pcg.Uint64()
		binary.LittleEndian.PutUint32(dst[i:], math.Float32bits(lo+scale*float32(r>>40)))
		if i+4 < len(dst) {
			binary.LittleEndian.PutUint32(dst[i+4:], math.Float32bits(lo+scale*float32(r>>8&(1<<24-1))))
		}
	}
	return dst
}

// raw draws all of p's values (or copies its fixed data), in stored order.
func (p *param) raw(seed int64) []byte {
	if !p.drawn() {
		return append([]byte(nil), p.data...)
	}
	out := make([]byte, 4*p.numel())
	for blk := range p.blocks() {
		p.fillBlock(seed, blk, out[4*blk*blockElems:])
	}
	if p.transposed {
		out = transpose32(out, p.dims[1], p.dims[0])
	}
	return out
}

// streamable reports whether p can be written block by block.
func (p *param) streamable() bool { return p.drawn() && !p.transposed }

// transpose32 transposes a row-major [rows, cols] matrix of 4-byte values.
func transpose32(src []byte, rows, cols int64) []byte {
	dst := make([]byte, len(src))
	for r := range rows {
		for c := range cols {
			copy(dst[4*(c*rows+r):4*(c*rows+r)+4], src[4*(r*cols+c):])
		}
	}
	return dst
}
