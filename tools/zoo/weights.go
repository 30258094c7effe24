package zoo

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
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
)

// blockElems is the number of values drawn from one PCG stream. It is part
// of the weight definition: changing it changes every model's bytes.
const blockElems = 1 << 16

// param is one float32 initializer, described but not yet drawn.
type param struct {
	name  string
	dims  []int64
	kind  paramKind
	fanIn int64
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

// trainable reports whether torchvision counts p as a parameter; BN running
// statistics are buffers.
func (p *param) trainable() bool { return p.kind != kindMean && p.kind != kindVar }

func (p *param) blocks() int64 { return (p.numel() + blockElems - 1) / blockElems }

// fillBlock writes block blk of p's values (little-endian float32) into dst
// and returns the filled prefix. dst must have room for the block.
func (p *param) fillBlock(seed int64, blk int64, dst []byte) []byte {
	n := min(p.numel()-blk*blockElems, blockElems)
	dst = dst[:4*n]
	h := fnv.New64a()
	h.Write([]byte(p.name))
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

// raw draws all of p's values.
func (p *param) raw(seed int64) []byte {
	out := make([]byte, 4*p.numel())
	for blk := range p.blocks() {
		p.fillBlock(seed, blk, out[4*blk*blockElems:])
	}
	return out
}
