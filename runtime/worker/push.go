package worker

import (
	"io"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/partition"
	"github.com/edgectl/edgectl/runtime/worker/internal/wire"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// Push implements wirepb.WorkerServer: it files each part in the mailbox of
// its destination job.
func (s *Server) Push(st wirepb.Worker_PushServer) error {
	r := wire.Receiver{Check: s.checkPart}
	var parts int32
	var n int64
	for {
		c, err := st.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		p, err := r.Add(c)
		if err != nil {
			return invalid("push", err)
		}
		if p == nil {
			continue
		}
		h := p.Header
		s.mail.put(runKey{h.Session, h.Run}, pieceKey{h.Stage, h.Tile, h.Value, p.Box.String()}, p.Tensor)
		parts++
		n += h.Bytes
		s.m.bytesIn.Add(float64(h.Bytes))
	}
	if err := r.End(); err != nil {
		return invalid("push", err)
	}
	return st.SendAndClose(&wirepb.PushReply{Parts: parts, Bytes: n})
}

// invalid keeps a status error's code and makes any other error an
// InvalidArgument status.
func invalid(what string, err error) error {
	if s, ok := status.FromError(err); ok {
		return s.Err()
	}
	return status.Errorf(codes.InvalidArgument, "%s: %v", what, err)
}

// checkPart vets a part header before its data is allocated: the session is
// open, the destination job exists, the value is in the model with this
// data type, and the box lies inside it.
func (s *Server) checkPart(h *wirepb.PartHeader, b partition.Box, dt graphir.DType) error {
	ss, err := s.session(h.Session)
	if err != nil {
		return err
	}
	if h.Stage < 0 || int(h.Stage) >= len(ss.prog.Stages) {
		return status.Errorf(codes.NotFound, "part %q: destination stage %d does not exist (the plan has %d stages)", h.Value, h.Stage, len(ss.prog.Stages))
	}
	if n := len(ss.prog.Stages[h.Stage].Tiles); h.Tile < 0 || int(h.Tile) >= n {
		return status.Errorf(codes.NotFound, "part %q: destination stage %d has no tile %d (it has %d)", h.Value, h.Stage, h.Tile, n)
	}
	v, ok := ss.values[h.Value]
	if !ok {
		return status.Errorf(codes.NotFound, "part %q: the model has no such computed value or input", h.Value)
	}
	return checkBox(v, b, dt)
}

func checkBox(v *graphir.Value, b partition.Box, dt graphir.DType) error {
	if dt != v.DType {
		return status.Errorf(codes.InvalidArgument, "part %q is %s, the value is %s", v.Name, dt, v.DType)
	}
	if !partition.FullBox(v.Shape).Contains(b) || len(b.Lo) != len(v.Shape) {
		return status.Errorf(codes.InvalidArgument, "part %q: box %v does not fit the value's shape %v", v.Name, b, v.Shape)
	}
	return nil
}
