// Package wire moves tensors over the worker protocol: a part is one
// PartHeader message and then its data, little-endian and row-major, in
// chunks of at most ChunkSize bytes, so that a tensor of any size passes
// gRPC's default 4 MiB message limit. Boxes convert between
// partition.Box and wirepb.Box here.
package wire

import (
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// ChunkSize is the most data bytes one message carries.
const ChunkSize = 1 << 20

// MaxPartBytes bounds the data of one part (16 GiB), so that a corrupt
// header cannot make the receiver allocate without limit before the value
// is checked.
const MaxPartBytes = 1 << 34

// BoxPB converts a box for the wire.
func BoxPB(b partition.Box) *wirepb.Box {
	out := &wirepb.Box{Lo: make([]int64, len(b.Lo)), Hi: make([]int64, len(b.Hi))}
	for i := range b.Lo {
		out.Lo[i], out.Hi[i] = int64(b.Lo[i]), int64(b.Hi[i])
	}
	return out
}

// Box converts a box from the wire, checking that it is well formed: one
// range per axis, 0 <= lo <= hi, at most graphir.MaxElements elements.
func Box(b *wirepb.Box) (partition.Box, error) {
	if b == nil {
		return partition.Box{}, errors.New("box is missing")
	}
	if len(b.Lo) != len(b.Hi) {
		return partition.Box{}, fmt.Errorf("box has %d lower and %d upper bounds", len(b.Lo), len(b.Hi))
	}
	out := partition.Box{Lo: make([]int, len(b.Lo)), Hi: make([]int, len(b.Hi))}
	for i := range b.Lo {
		if b.Lo[i] < 0 || b.Hi[i] < b.Lo[i] || b.Hi[i] > graphir.MaxElements || b.Hi[i] > math.MaxInt {
			return partition.Box{}, fmt.Errorf("box axis %d range [%d,%d) is not valid", i, b.Lo[i], b.Hi[i])
		}
		out.Lo[i], out.Hi[i] = int(b.Lo[i]), int(b.Hi[i])
	}
	if err := out.Shape().Check(); err != nil {
		return partition.Box{}, fmt.Errorf("box %v: %w", out, err)
	}
	return out, nil
}

// DType converts an element type for the wire.
func DType(d graphir.DType) wirepb.DType {
	switch d {
	case graphir.Float32:
		return wirepb.DType_DTYPE_FLOAT32
	case graphir.Int64:
		return wirepb.DType_DTYPE_INT64
	}
	return wirepb.DType_DTYPE_UNSPECIFIED
}

// FromDType converts an element type from the wire.
func FromDType(d wirepb.DType) (graphir.DType, error) {
	switch d {
	case wirepb.DType_DTYPE_FLOAT32:
		return graphir.Float32, nil
	case wirepb.DType_DTYPE_INT64:
		return graphir.Int64, nil
	}
	return graphir.Undefined, fmt.Errorf("data type %v is not float32 or int64", d)
}

// bytesOf views a tensor's data as bytes without copying (every target of
// edgectl is little-endian).
func bytesOf(t *graphir.Tensor) []byte {
	switch {
	case t.DType == graphir.Float32 && len(t.F) > 0:
		return unsafe.Slice((*byte)(unsafe.Pointer(&t.F[0])), len(t.F)*4)
	case t.DType == graphir.Int64 && len(t.I) > 0:
		return unsafe.Slice((*byte)(unsafe.Pointer(&t.I[0])), len(t.I)*8)
	}
	return nil
}

// Send writes one part: h (its dtype and bytes filled in here) and then
// t's data in chunks. t must hold exactly h's box. It returns the data
// bytes sent.
func Send(send func(*wirepb.PartChunk) error, h *wirepb.PartHeader, t *graphir.Tensor) (int64, error) {
	b, err := Box(h.Box)
	if err != nil {
		return 0, fmt.Errorf("part %q: %w", h.Value, err)
	}
	if !b.Shape().Equal(t.Shape) {
		return 0, fmt.Errorf("part %q: tensor of shape %v does not hold box %v", h.Value, t.Shape, b)
	}
	if err := t.Check(); err != nil {
		return 0, fmt.Errorf("part %q: %w", h.Value, err)
	}
	data := bytesOf(t)
	h.Dtype, h.Bytes = DType(t.DType), int64(len(data))
	if err := send(&wirepb.PartChunk{Kind: &wirepb.PartChunk_Header{Header: h}}); err != nil {
		return 0, err
	}
	for off := 0; off < len(data); off += ChunkSize {
		end := min(off+ChunkSize, len(data))
		if err := send(&wirepb.PartChunk{Kind: &wirepb.PartChunk_Data{Data: data[off:end]}}); err != nil {
			return int64(off), err
		}
	}
	return int64(len(data)), nil
}

// ListenBanner starts the line a worker prints on stdout once it serves:
// "edgectl worker listening on HOST:PORT". Local launchers wait for it.
const ListenBanner = "edgectl worker listening on "
