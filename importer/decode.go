package importer

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/edgectl/edgectl/importer/onnxpb"
)

// Field numbers of the ONNX schema that the fast decoder walks by hand.
const (
	fieldModelGraph       = 7 // ModelProto.graph
	fieldGraphInitializer = 5 // GraphProto.initializer
	fieldTensorRawData    = 9 // TensorProto.raw_data
)

// decoded is a model whose big initializer payloads were not copied: rawData
// holds, per graph initializer index, a slice of the caller's buffer.
type decoded struct {
	model   *onnxpb.ModelProto
	rawData map[int][]byte
	release func([]byte) // gives back the pages of raw data already converted
}

// decodeModel decodes an ONNX ModelProto from b. The generated types decode
// every message; only the raw_data of the main graph's initializers is kept
// as sub-slices of b instead of being copied, so a large model is held in
// memory once, not twice. b must stay unchanged while the result is in use.
func decodeModel(b []byte) (*decoded, error) {
	if len(b) == 0 {
		return nil, errors.New("empty file")
	}
	var rest, graph []byte
	haveGraph := false
	err := walk(b, func(num protowire.Number, typ protowire.Type, field, value []byte) error {
		if num == fieldModelGraph && typ == protowire.BytesType {
			if haveGraph {
				return errors.New("model has more than one graph field")
			}
			haveGraph = true
			graph = value
			return nil
		}
		rest = append(rest, field...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("decoding model: %w", err)
	}
	m := &onnxpb.ModelProto{}
	if err := proto.Unmarshal(rest, m); err != nil {
		return nil, fmt.Errorf("decoding model: %w", err)
	}
	d := &decoded{model: m, rawData: map[int][]byte{}}
	if !haveGraph {
		return d, nil
	}
	var gRest []byte
	var inits []*onnxpb.TensorProto
	err = walk(graph, func(num protowire.Number, typ protowire.Type, field, value []byte) error {
		if num != fieldGraphInitializer || typ != protowire.BytesType {
			gRest = append(gRest, field...)
			return nil
		}
		var tRest []byte
		var raw []byte
		haveRaw := false
		err := walk(value, func(num protowire.Number, typ protowire.Type, field, value []byte) error {
			if num == fieldTensorRawData && typ == protowire.BytesType {
				raw, haveRaw = value, true // last one wins, as in protobuf
				return nil
			}
			tRest = append(tRest, field...)
			return nil
		})
		if err != nil {
			return fmt.Errorf("initializer %d: %w", len(inits), err)
		}
		t := &onnxpb.TensorProto{}
		if err := proto.Unmarshal(tRest, t); err != nil {
			return fmt.Errorf("initializer %d: %w", len(inits), err)
		}
		if haveRaw {
			d.rawData[len(inits)] = raw
		}
		inits = append(inits, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("decoding graph: %w", err)
	}
	g := &onnxpb.GraphProto{}
	if err := proto.Unmarshal(gRest, g); err != nil {
		return nil, fmt.Errorf("decoding graph: %w", err)
	}
	g.Initializer = append(inits, g.Initializer...)
	// Initializers decoded by proto.Unmarshal (none unless the walk above saw
	// the field with another wire type, which Unmarshal rejects) keep their
	// own RawData; the indices in rawData refer to the first len(inits).
	m.Graph = g
	return d, nil
}

// walk calls fn for each top-level field of the message in b with the whole
// field's bytes and, for length-delimited fields, the payload.
func walk(b []byte, fn func(num protowire.Number, typ protowire.Type, field, value []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return protowire.ParseError(m)
		}
		field := b[:n+m]
		var value []byte
		if typ == protowire.BytesType {
			v, k := protowire.ConsumeBytes(b[n:])
			if k < 0 {
				return protowire.ParseError(k)
			}
			value = v
		}
		if err := fn(num, typ, field, value); err != nil {
			return err
		}
		b = b[n+m:]
	}
	return nil
}
