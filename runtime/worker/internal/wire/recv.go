package wire

import (
	"errors"
	"fmt"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// Part is a received part: its header, its box and a tensor holding it.
type Part struct {
	Header *wirepb.PartHeader
	Box    partition.Box
	Tensor *graphir.Tensor
}

// Receiver reassembles parts from a stream of chunks. Its errors describe
// what is wrong with the stream (callers report them as InvalidArgument).
type Receiver struct {
	// Check, when set, vets each header (and its box) before any memory is
	// allocated for it: the value exists, the box lies inside it, the data
	// type matches.
	Check func(h *wirepb.PartHeader, b partition.Box, dt graphir.DType) error

	cur  *Part
	data []byte
	got  int64
}

// Add takes the next chunk; it returns a part when its last byte arrived.
func (r *Receiver) Add(c *wirepb.PartChunk) (*Part, error) {
	switch k := c.Kind.(type) {
	case *wirepb.PartChunk_Header:
		if r.cur != nil {
			return nil, r.truncated()
		}
		return r.header(k.Header)
	case *wirepb.PartChunk_Data:
		if r.cur == nil {
			return nil, errors.New("data chunk without a part header")
		}
		if r.got+int64(len(k.Data)) > int64(len(r.data)) {
			return nil, fmt.Errorf("part %q %v: more data than the %d bytes announced", r.cur.Header.Value, r.cur.Box, len(r.data))
		}
		copy(r.data[r.got:], k.Data)
		r.got += int64(len(k.Data))
		if r.got == int64(len(r.data)) {
			return r.done(), nil
		}
		return nil, nil
	case *wirepb.PartChunk_Stats:
		return nil, errors.New("unexpected stats message among parts")
	}
	return nil, errors.New("empty chunk")
}

// Pending reports whether a part has started but not all of its data came.
func (r *Receiver) Pending() bool { return r.cur != nil }

// End is called when the stream ends; it reports a truncated part.
func (r *Receiver) End() error {
	if r.cur != nil {
		return r.truncated()
	}
	return nil
}

func (r *Receiver) truncated() error {
	return fmt.Errorf("part %q %v truncated: %d of %d bytes arrived", r.cur.Header.Value, r.cur.Box, r.got, len(r.data))
}

func (r *Receiver) header(h *wirepb.PartHeader) (*Part, error) {
	if h == nil || h.Value == "" {
		return nil, errors.New("part header names no value")
	}
	b, err := Box(h.Box)
	if err != nil {
		return nil, fmt.Errorf("part %q: %w", h.Value, err)
	}
	dt, err := FromDType(h.Dtype)
	if err != nil {
		return nil, fmt.Errorf("part %q: %w", h.Value, err)
	}
	want := int64(b.Size()) * int64(dt.Size())
	if h.Bytes != want {
		return nil, fmt.Errorf("part %q: box %v of %s holds %d bytes, header announces %d", h.Value, b, dt, want, h.Bytes)
	}
	if want > MaxPartBytes {
		return nil, fmt.Errorf("part %q: %d bytes is more than the limit of %d", h.Value, want, int64(MaxPartBytes))
	}
	if r.Check != nil {
		if err := r.Check(h, b, dt); err != nil {
			return nil, err
		}
	}
	t := graphir.NewTensor(dt, b.Shape())
	r.cur, r.data, r.got = &Part{Header: h, Box: b, Tensor: t}, bytesOf(t), 0
	if len(r.data) == 0 {
		return r.done(), nil
	}
	return nil, nil
}

func (r *Receiver) done() *Part {
	p := r.cur
	r.cur, r.data, r.got = nil, nil, 0
	return p
}
