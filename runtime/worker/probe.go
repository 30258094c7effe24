package worker

import (
	"context"
	"io"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/edgectl/edgectl/runtime/worker/internal/probe"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// Sink implements wirepb.WorkerServer: it receives one probe message,
// checks that its data matches its announced size, discards it and
// replies.
func (s *Server) Sink(st wirepb.Worker_SinkServer) error {
	want, got := int64(-1), int64(0)
	for {
		c, err := st.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch k := c.Kind.(type) {
		case *wirepb.SinkChunk_Bytes:
			if want >= 0 {
				return status.Error(codes.InvalidArgument, "sink: a second size in one message")
			}
			if k.Bytes < 0 || k.Bytes > probe.MaxMessage {
				return status.Errorf(codes.InvalidArgument, "sink: size %d: want 0 to %d bytes", k.Bytes, probe.MaxMessage)
			}
			want = k.Bytes
		case *wirepb.SinkChunk_Data:
			if want < 0 {
				return status.Error(codes.InvalidArgument, "sink: data before the size")
			}
			if got += int64(len(k.Data)); got > want {
				return status.Errorf(codes.InvalidArgument, "sink: more data than the %d bytes announced", want)
			}
		default:
			return status.Error(codes.InvalidArgument, "sink: empty message")
		}
	}
	if want < 0 {
		return status.Error(codes.InvalidArgument, "sink: no size")
	}
	if got != want {
		return status.Errorf(codes.InvalidArgument, "sink: truncated: %d of %d bytes", got, want)
	}
	return st.SendAndClose(&wirepb.SinkReply{Bytes: got})
}

// ProbeLink implements wirepb.WorkerServer: it times probe messages from
// this worker to the Sink of the worker at req.Peer, over the same
// connection (and credentials) that parts take to that peer.
func (s *Server) ProbeLink(ctx context.Context, req *wirepb.ProbeLinkRequest) (*wirepb.ProbeLinkReply, error) {
	if req.Peer == "" {
		return nil, status.Error(codes.InvalidArgument, "probe: no peer address")
	}
	if err := probe.Check(req.Sizes, int(req.Repeats)); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	c, err := s.peers.client(req.Peer)
	if err != nil {
		return nil, peerError(req.Peer, err)
	}
	samples, err := probe.Run(ctx, c, req.Sizes, int(req.Repeats))
	if err != nil {
		if ctx.Err() != nil {
			return nil, status.FromContextError(ctx.Err()).Err()
		}
		return nil, peerError(req.Peer, err)
	}
	return &wirepb.ProbeLinkReply{Samples: samples}, nil
}
