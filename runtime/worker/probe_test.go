package worker_test

import (
	"net"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/edgectl/edgectl/runtime/worker"
	"github.com/edgectl/edgectl/runtime/worker/coord"
	"github.com/edgectl/edgectl/runtime/worker/internal/testutil"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

func sizeMsg(n int64) *wirepb.SinkChunk {
	return &wirepb.SinkChunk{Kind: &wirepb.SinkChunk_Bytes{Bytes: n}}
}

func dataMsg(n int) *wirepb.SinkChunk {
	return &wirepb.SinkChunk{Kind: &wirepb.SinkChunk_Data{Data: make([]byte, n)}}
}

// sink sends raw chunks in one Sink stream.
func sink(t *testing.T, c wirepb.WorkerClient, chunks ...*wirepb.SinkChunk) (*wirepb.SinkReply, error) {
	st, err := c.Sink(tctx(t))
	if err != nil {
		return nil, err
	}
	for _, ch := range chunks {
		if err := st.Send(ch); err != nil {
			break
		}
	}
	return st.CloseAndRecv()
}

// Sink acknowledges a message whose data matches its size, and refuses
// every malformed one.
func TestWorker_Sink(t *testing.T) {
	tok := testutil.Token()
	s := testutil.StartServers(t, 1, tok, nil)[0]
	c, _ := dial(t, s.Addr, tok)
	if r, err := sink(t, c, sizeMsg(3<<20), dataMsg(1<<20), dataMsg(1<<20), dataMsg(1<<20)); err != nil || r.Bytes != 3<<20 {
		t.Fatalf("3 MiB: %v %v", r, err)
	}
	if r, err := sink(t, c, sizeMsg(0)); err != nil || r.Bytes != 0 {
		t.Fatalf("empty: %v %v", r, err)
	}
	for _, tc := range []struct {
		name   string
		chunks []*wirepb.SinkChunk
		want   string
	}{
		{"nothing", nil, "no size"},
		{"data first", []*wirepb.SinkChunk{dataMsg(1)}, "data before the size"},
		{"two sizes", []*wirepb.SinkChunk{sizeMsg(1), sizeMsg(1)}, "a second size"},
		{"too much", []*wirepb.SinkChunk{sizeMsg(1), dataMsg(2)}, "more data than the 1 bytes"},
		{"truncated", []*wirepb.SinkChunk{sizeMsg(10), dataMsg(4)}, "truncated: 4 of 10"},
		{"negative", []*wirepb.SinkChunk{sizeMsg(-1)}, "size -1"},
		{"huge", []*wirepb.SinkChunk{sizeMsg(1 << 40)}, "want 0 to"},
		{"empty message", []*wirepb.SinkChunk{{}}, "empty message"},
	} {
		_, err := sink(t, c, tc.chunks...)
		wantStatus(t, tc.name, err, codes.InvalidArgument, tc.want)
	}
	nc, _ := dial(t, s.Addr, "")
	_, err := sink(t, nc, sizeMsg(0))
	wantStatus(t, "no token", err, codes.Unauthenticated, "needs")
}

// ProbeLink times messages from one worker to another's Sink, and names
// the peer when it cannot reach it.
func TestWorker_ProbeLink(t *testing.T) {
	tok := testutil.Token()
	ss := testutil.StartServers(t, 2, tok, nil)
	c, _ := dial(t, ss[0].Addr, tok)
	r, err := c.ProbeLink(tctx(t), &wirepb.ProbeLinkRequest{Peer: ss[1].Addr, Sizes: []int64{0, 1 << 10, 3 << 20}, Repeats: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{0, 1 << 10, 3 << 20, 0, 1 << 10, 3 << 20}
	if len(r.Samples) != len(want) {
		t.Fatalf("%d samples, want %d", len(r.Samples), len(want))
	}
	for i, s := range r.Samples {
		if s.Bytes != want[i] || s.Ns <= 0 {
			t.Errorf("sample %d: %v, want %d bytes and a time", i, s, want[i])
		}
	}
	for _, tc := range []struct {
		name string
		req  *wirepb.ProbeLinkRequest
		want string
	}{
		{"no peer", &wirepb.ProbeLinkRequest{Sizes: []int64{1}, Repeats: 1}, "no peer"},
		{"no sizes", &wirepb.ProbeLinkRequest{Peer: ss[1].Addr, Repeats: 1}, "sizes"},
		{"no repeats", &wirepb.ProbeLinkRequest{Peer: ss[1].Addr, Sizes: []int64{1}}, "repeats 0"},
	} {
		_, err := c.ProbeLink(tctx(t), tc.req)
		wantStatus(t, tc.name, err, codes.InvalidArgument, tc.want)
	}
	// A peer that is not there: Unavailable, with the peer in the details.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := lis.Addr().String()
	lis.Close()
	_, err = c.ProbeLink(tctx(t), &wirepb.ProbeLinkRequest{Peer: gone, Sizes: []int64{1}, Repeats: 1})
	wantStatus(t, "peer gone", err, codes.Unavailable, gone)
	if !hasPeer(err, gone) {
		t.Errorf("no PEER_FAILED detail naming %s: %v", gone, err)
	}
	// A peer with another token refuses: the worker's own token went.
	other := testutil.StartServers(t, 1, testutil.Token(), nil)[0]
	_, err = c.ProbeLink(tctx(t), &wirepb.ProbeLinkRequest{Peer: other.Addr, Sizes: []int64{1}, Repeats: 1})
	wantStatus(t, "peer of another token", err, codes.Unauthenticated, "wrong token")
}

func hasPeer(err error, addr string) bool {
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.Reason == worker.PeerReason && info.Metadata["peer"] == addr {
			return true
		}
	}
	return false
}

// Workers serving mutual TLS probe each other with their certificates,
// as they push parts.
func TestWorker_ProbeLinkMTLS(t *testing.T) {
	certs := testutil.MakeCerts(t)
	ss := testutil.StartServers(t, 2, "", func(c *worker.Config) {
		c.TLSCert, c.TLSKey, c.ClientCA = certs.ServerCert, certs.ServerKey, certs.CA
	})
	a := coord.Auth{TLSCert: certs.ClientCert, TLSKey: certs.ClientKey, CA: certs.CA}
	res, err := coord.ProbeLinks(tctx(t), a, coord.RingPairs([]coord.Endpoint{{Name: "a", Addr: ss[0].Addr}, {Name: "b", Addr: ss[1].Addr}}, "coordinator"),
		coord.ProbeOptions{Sizes: []int64{0, 64 << 10, 1 << 20}, Repeats: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 4 {
		t.Fatalf("%d links, want a->b, b->a, coordinator->a, coordinator->b", len(res))
	}
	for _, r := range res {
		if r.Err != nil && !strings.Contains(r.Err.Error(), "does not grow") || len(r.Samples) != 3 {
			t.Errorf("%s -> %s: %v, %d samples", r.From.Name, r.To.Name, r.Err, len(r.Samples))
		}
	}
}
