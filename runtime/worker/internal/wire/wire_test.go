package wire

import (
	"strings"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

func collect(t *testing.T, parts ...*graphir.Tensor) []*wirepb.PartChunk {
	t.Helper()
	var out []*wirepb.PartChunk
	send := func(c *wirepb.PartChunk) error { out = append(out, c); return nil }
	for i, x := range parts {
		h := &wirepb.PartHeader{Value: "v", Stage: int32(i), Box: BoxPB(partition.FullBox(x.Shape))}
		if _, err := Send(send, h, x); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestSendReceive_RoundTrip(t *testing.T) {
	big := graphir.NewTensor(graphir.Float32, graphir.Shape{1, 3, 300, 500}) // 1.8 MB: two chunks
	for i := range big.F {
		big.F[i] = float32(i)
	}
	ints := graphir.FromInts(graphir.Shape{3}, []int64{-1, 1 << 40, 7})
	empty := graphir.NewTensor(graphir.Float32, graphir.Shape{1, 0, 4})
	chunks := collect(t, big, ints, empty)
	if len(chunks) != 2+2+1+1 {
		t.Fatalf("%d messages, want 6 (header + 2 chunks, header + 1, header)", len(chunks))
	}
	var r Receiver
	var got []*Part
	for _, c := range chunks {
		p, err := r.Add(c)
		if err != nil {
			t.Fatal(err)
		}
		if p != nil {
			got = append(got, p)
		}
	}
	if err := r.End(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d parts, want 3", len(got))
	}
	for i, f := range big.F {
		if got[0].Tensor.F[i] != f {
			t.Fatalf("element %d: %v, want %v", i, got[0].Tensor.F[i], f)
		}
	}
	if got[1].Tensor.DType != graphir.Int64 || got[1].Tensor.I[1] != 1<<40 {
		t.Fatalf("int64 part: %v", got[1].Tensor.I)
	}
	if !got[2].Tensor.Shape.Equal(graphir.Shape{1, 0, 4}) {
		t.Fatalf("empty part shape %v", got[2].Tensor.Shape)
	}
}

func TestReceiver_Errors(t *testing.T) {
	x := graphir.NewTensor(graphir.Float32, graphir.Shape{2, 3})
	good := collect(t, x)
	hdr := func(mod func(h *wirepb.PartHeader)) *wirepb.PartChunk {
		h := &wirepb.PartHeader{Value: "v", Box: BoxPB(partition.FullBox(x.Shape)), Dtype: wirepb.DType_DTYPE_FLOAT32, Bytes: 24}
		mod(h)
		return &wirepb.PartChunk{Kind: &wirepb.PartChunk_Header{Header: h}}
	}
	data := func(n int) *wirepb.PartChunk {
		return &wirepb.PartChunk{Kind: &wirepb.PartChunk_Data{Data: make([]byte, n)}}
	}
	cases := []struct {
		name   string
		chunks []*wirepb.PartChunk
		want   string
	}{
		{"truncated", []*wirepb.PartChunk{good[0], data(10)}, "truncated: 10 of 24 bytes"},
		{"too much data", []*wirepb.PartChunk{good[0], data(30)}, "more data than"},
		{"data first", []*wirepb.PartChunk{data(4)}, "without a part header"},
		{"bytes mismatch", []*wirepb.PartChunk{hdr(func(h *wirepb.PartHeader) { h.Bytes = 20 })}, "announces 20"},
		{"bad box", []*wirepb.PartChunk{hdr(func(h *wirepb.PartHeader) { h.Box = &wirepb.Box{Lo: []int64{3}, Hi: []int64{1}} })}, "not valid"},
		{"ragged box", []*wirepb.PartChunk{hdr(func(h *wirepb.PartHeader) { h.Box = &wirepb.Box{Lo: []int64{0}, Hi: []int64{1, 2}} })}, "lower and"},
		{"no dtype", []*wirepb.PartChunk{hdr(func(h *wirepb.PartHeader) { h.Dtype = 0 })}, "not float32 or int64"},
		{"header inside a part", []*wirepb.PartChunk{good[0], data(8), good[0]}, "truncated"},
		{"no value", []*wirepb.PartChunk{hdr(func(h *wirepb.PartHeader) { h.Value = "" })}, "names no value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r Receiver
			var err error
			for _, c := range tc.chunks {
				if _, err = r.Add(c); err != nil {
					break
				}
			}
			if err == nil {
				err = r.End()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
