package zoo

import (
	"bufio"
	"fmt"
	"io"

	"github.com/edgectl/edgectl/importer/onnxpb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// Field numbers that Write splices by hand. Go's protobuf marshals fields in
// field-number order, so writing the model as
//
//	model fields < graph | graph fields < initializer | initializers |
//	graph fields > initializer | model fields > graph
//
// gives exactly the bytes of proto.Marshal(Build(name, seed)).
const (
	fieldModelGraph       = 7 // ModelProto.graph
	fieldGraphInitializer = 5 // GraphProto.initializer
	fieldTensorRawData    = 9 // TensorProto.raw_data, its highest set field
)

// Write streams the named model, weights drawn from seed, to w as a binary
// ONNX protobuf in the default style. The bytes equal proto.Marshal of
// Build(name, seed), but the weights are drawn block by block while writing,
// so memory stays small.
func Write(w io.Writer, name string, seed int64) error {
	return WriteWith(w, name, seed, Options{})
}

// WriteWith is Write in the exporter style opts asks for; the bytes equal
// proto.Marshal of BuildWith(name, seed, opts).
func WriteWith(w io.Writer, name string, seed int64, opts Options) error {
	s, err := newSpec(name, seed, opts)
	if err != nil {
		return err
	}
	if err := s.write(w); err != nil {
		return fmt.Errorf("zoo: write %s: %w", name, err)
	}
	return nil
}

// layout is a model's encoding with the initializers' raw data left out.
type layout struct {
	modelHead, graphHead, graphTail, modelTail []byte
	headers                                    [][]byte // per param: TensorProto without raw_data
	graphLen                                   int
}

func (s *spec) layout() (*layout, error) {
	m, g := s.model, s.model.Graph
	check(len(g.Initializer) == 0, "layout: initializers already drawn")
	parts, err := marshalAll(
		&onnxpb.ModelProto{IrVersion: m.IrVersion, ProducerName: m.ProducerName, ProducerVersion: m.ProducerVersion,
			Domain: m.Domain, ModelVersion: m.ModelVersion, DocString: m.DocString},
		&onnxpb.GraphProto{Node: g.Node, Name: g.Name},
		&onnxpb.GraphProto{DocString: g.DocString, Input: g.Input, Output: g.Output, ValueInfo: g.ValueInfo,
			QuantizationAnnotation: g.QuantizationAnnotation, MetadataProps: g.MetadataProps},
		&onnxpb.ModelProto{OpsetImport: m.OpsetImport, MetadataProps: m.MetadataProps,
			TrainingInfo: m.TrainingInfo, Functions: m.Functions, Configuration: m.Configuration},
	)
	if err != nil {
		return nil, err
	}
	l := &layout{modelHead: parts[0], graphHead: parts[1], graphTail: parts[2], modelTail: parts[3]}
	l.headers = make([][]byte, len(s.params))
	l.graphLen = len(l.graphHead) + len(l.graphTail)
	for i := range s.params {
		if l.headers[i], err = proto.Marshal(s.params[i].tensorHeader()); err != nil {
			return nil, err
		}
		l.graphLen += protowire.SizeTag(fieldGraphInitializer) + protowire.SizeBytes(s.params[i].tensorLen(l.headers[i]))
	}
	return l, nil
}

// size is the length of the encoded model.
func (l *layout) size() int64 {
	return int64(len(l.modelHead)+protowire.SizeTag(fieldModelGraph)+protowire.SizeBytes(l.graphLen)) +
		int64(len(l.modelTail))
}

func (s *spec) write(w io.Writer) error {
	l, err := s.layout()
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	buf := protowire.AppendTag(l.modelHead, fieldModelGraph, protowire.BytesType)
	buf = protowire.AppendVarint(buf, uint64(l.graphLen))
	buf = append(buf, l.graphHead...)
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	block := make([]byte, 4*blockElems)
	for i := range s.params {
		p := &s.params[i]
		buf = protowire.AppendTag(buf[:0], fieldGraphInitializer, protowire.BytesType)
		buf = protowire.AppendVarint(buf, uint64(p.tensorLen(l.headers[i])))
		buf = append(buf, l.headers[i]...)
		buf = protowire.AppendTag(buf, fieldTensorRawData, protowire.BytesType)
		buf = protowire.AppendVarint(buf, uint64(p.byteLen()))
		if _, err := bw.Write(buf); err != nil {
			return err
		}
		if !p.streamable() {
			// Fixed data, or a transposed weight (a classifier's, a few MB).
			if _, err := bw.Write(p.raw(s.seed)); err != nil {
				return err
			}
			continue
		}
		for blk := range p.blocks() {
			if _, err := bw.Write(p.fillBlock(s.seed, blk, block)); err != nil {
				return err
			}
		}
	}
	if _, err := bw.Write(append(l.graphTail, l.modelTail...)); err != nil {
		return err
	}
	return bw.Flush()
}

// tensorLen is the encoded size of p's TensorProto given its header bytes.
func (p *param) tensorLen(header []byte) int {
	return len(header) + protowire.SizeTag(fieldTensorRawData) + protowire.SizeBytes(int(p.byteLen()))
}

func marshalAll(ms ...proto.Message) ([][]byte, error) {
	out := make([][]byte, len(ms))
	for i, m := range ms {
		b, err := proto.Marshal(m)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}
