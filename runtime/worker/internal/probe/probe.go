// Package probe times messages over the worker protocol for `edgectl
// netprobe`: Run sends probe messages to a worker's Sink one at a time, as
// a worker pushes a part (one stream, a header, data chunks of at most
// 1 MiB, close, wait for the reply), and times each on the sender's
// clock. Workers run it for ProbeLink (worker to worker) and the
// coordinator for its own links. Fit turns the times into a bandwidth and
// a per-message cost.
//
// It imports the generated protocol (wirepb) only.
package probe

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// Limits of one probe request, so that a request cannot make a worker
// send without bound.
const (
	ChunkSize  = 1 << 20         // data bytes per stream message, as parts
	MaxMessage = 1 << 30         // bytes of one probe message
	MaxSizes   = 64              // sizes in one request
	MaxRepeats = 1000            // times one size is sent
	MaxTotal   = int64(16 << 30) // bytes of one request, warm-up included
)

// payload is what probe messages carry: random, so that no compression on
// the way makes the link look faster than it is.
var payload = func() []byte {
	b := make([]byte, ChunkSize)
	rand.Read(b)
	return b
}()

// Check vets the sizes and repeats of a probe request.
func Check(sizes []int64, repeats int) error {
	if len(sizes) == 0 || len(sizes) > MaxSizes {
		return fmt.Errorf("probe: want 1 to %d sizes, have %d", MaxSizes, len(sizes))
	}
	if repeats < 1 || repeats > MaxRepeats {
		return fmt.Errorf("probe: repeats %d: want 1 to %d", repeats, MaxRepeats)
	}
	var total, largest int64
	for _, n := range sizes {
		if n < 0 || n > MaxMessage {
			return fmt.Errorf("probe: size %d: want 0 to %d bytes", n, MaxMessage)
		}
		total += n * int64(repeats)
		largest = max(largest, n)
	}
	if total+largest > MaxTotal {
		return fmt.Errorf("probe: %d bytes in all: at most %d", total+largest, MaxTotal)
	}
	return nil
}

// Run sends one warm-up message of the largest size (which opens the
// connection and TCP's window; not reported), then every size repeats
// times, sizes interleaved so that a change of the link's load spreads
// over all of them, and returns each message's time.
func Run(ctx context.Context, c wirepb.WorkerClient, sizes []int64, repeats int) ([]*wirepb.ProbeSample, error) {
	if err := Check(sizes, repeats); err != nil {
		return nil, err
	}
	var largest int64
	for _, n := range sizes {
		largest = max(largest, n)
	}
	if _, err := Send(ctx, c, largest); err != nil {
		return nil, err
	}
	var out []*wirepb.ProbeSample
	for range repeats {
		for _, n := range sizes {
			d, err := Send(ctx, c, n)
			if err != nil {
				return nil, err
			}
			out = append(out, &wirepb.ProbeSample{Bytes: n, Ns: d.Nanoseconds()})
		}
	}
	return out, nil
}

// Send sends one message of n bytes to c's Sink and returns the time from
// opening the stream to the reply.
func Send(ctx context.Context, c wirepb.WorkerClient, n int64) (time.Duration, error) {
	start := time.Now()
	st, err := c.Sink(ctx)
	if err != nil {
		return 0, err
	}
	if err := st.Send(&wirepb.SinkChunk{Kind: &wirepb.SinkChunk_Bytes{Bytes: n}}); err != nil {
		return 0, closeErr(st, err)
	}
	for off := int64(0); off < n; off += ChunkSize {
		k := min(ChunkSize, n-off)
		if err := st.Send(&wirepb.SinkChunk{Kind: &wirepb.SinkChunk_Data{Data: payload[:k]}}); err != nil {
			return 0, closeErr(st, err)
		}
	}
	r, err := st.CloseAndRecv()
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	if r.Bytes != n {
		return 0, fmt.Errorf("probe: the sink received %d bytes of %d", r.Bytes, n)
	}
	return d, nil
}

// closeErr is the stream's own error (the server's status) when a send
// failed because the stream ended.
func closeErr(st wirepb.Worker_SinkClient, err error) error {
	if _, rerr := st.CloseAndRecv(); rerr != nil {
		return rerr
	}
	return err
}
