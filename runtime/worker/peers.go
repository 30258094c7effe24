package worker

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/worker/internal/wire"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// peers holds one connection per peer worker, dialled on first use.
type peers struct {
	opts  []grpc.DialOption
	mu    sync.Mutex
	conns map[string]*grpc.ClientConn
}

func newPeers(opts []grpc.DialOption) *peers {
	return &peers{opts: opts, conns: map[string]*grpc.ClientConn{}}
}

func (p *peers) client(addr string) (wirepb.WorkerClient, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.conns[addr]; ok {
		return wirepb.NewWorkerClient(c), nil
	}
	c, err := grpc.NewClient(addr, p.opts...)
	if err != nil {
		return nil, err
	}
	p.conns[addr] = c
	return wirepb.NewWorkerClient(c), nil
}

func (p *peers) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = map[string]*grpc.ClientConn{}
}

// sendPart is a part to send: its header and a tensor holding its box.
type sendPart struct {
	h *wirepb.PartHeader
	t *graphir.Tensor
}

// push sends parts to the worker at addr in one Push stream. A failure is
// reported as PeerError so that the coordinator knows which worker failed.
func (p *peers) push(ctx context.Context, addr string, parts []sendPart) (int64, error) {
	c, err := p.client(addr)
	if err != nil {
		return 0, peerError(addr, err)
	}
	st, err := c.Push(ctx)
	if err != nil {
		return 0, peerError(addr, err)
	}
	var n int64
	for _, sp := range parts {
		k, err := wire.Send(st.Send, sp.h, sp.t)
		n += k
		if err != nil {
			if _, rerr := st.CloseAndRecv(); rerr != nil {
				err = rerr
			}
			return n, peerError(addr, err)
		}
	}
	if _, err := st.CloseAndRecv(); err != nil {
		return n, peerError(addr, err)
	}
	return n, nil
}

// PeerReason is the ErrorInfo reason of a failed send to another worker;
// its metadata "peer" holds the peer's address.
const PeerReason = "PEER_FAILED"

// peerError wraps a failed send to addr as a status naming the peer. A
// peer's own refusal (InvalidArgument, NotFound, ...) keeps its code; a
// transport failure becomes Unavailable.
func peerError(addr string, err error) error {
	code := status.Code(err)
	switch code {
	case codes.InvalidArgument, codes.NotFound, codes.FailedPrecondition, codes.Unauthenticated, codes.PermissionDenied:
	case codes.Canceled:
	default:
		code = codes.Unavailable
	}
	st := status.New(code, fmt.Sprintf("send to worker %s: %v", addr, status.Convert(err).Message()))
	if d, derr := st.WithDetails(&errdetails.ErrorInfo{Reason: PeerReason, Domain: "edgectl.dev", Metadata: map[string]string{"peer": addr}}); derr == nil {
		st = d
	}
	return st.Err()
}
