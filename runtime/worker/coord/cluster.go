package coord

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/edgectl/edgectl/runtime/worker/internal/auth"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// Auth is how the coordinator authenticates to workers: the shared token,
// and/or a client certificate over TLS (TLS is used when CA, TLSCert or
// TLSKey is set; CA verifies the workers' certificates).
type Auth struct {
	Token           string
	TLSCert, TLSKey string
	CA              string
}

// Worker is the coordinator's connection to one worker.
type Worker struct {
	Index int
	Addr  string
	// DataDir is set for workers started by StartLocal: models are linked
	// into it instead of uploaded.
	DataDir string

	conn   *grpc.ClientConn
	rpc    wirepb.WorkerClient
	health healthpb.HealthClient
}

func (w *Worker) String() string { return fmt.Sprintf("worker %d (%s)", w.Index, w.Addr) }

// Cluster is a set of connected workers.
type Cluster struct {
	Workers []*Worker
	// HealthTimeout bounds one health check (default 2s).
	HealthTimeout time.Duration
}

// Dial connects to workers at addrs (host:port); connections are made
// lazily, so an unreachable worker shows at its first call.
func Dial(addrs []string, a Auth) (*Cluster, error) {
	if len(addrs) == 0 {
		return nil, errors.New("no workers")
	}
	if err := auth.CheckToken(a.Token); err != nil {
		return nil, err
	}
	var opts []grpc.DialOption
	if a.CA != "" || a.TLSCert != "" || a.TLSKey != "" {
		tc, err := auth.ClientTLS(a.TLSCert, a.TLSKey, a.CA)
		if err != nil {
			return nil, err
		}
		opts = auth.DialOptions(a.Token, tc)
	} else {
		opts = auth.DialOptions(a.Token, nil)
	}
	c := &Cluster{}
	for i, addr := range addrs {
		conn, err := grpc.NewClient(addr, opts...)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("worker %d (%s): %w", i, addr, err)
		}
		c.Workers = append(c.Workers, &Worker{Index: i, Addr: addr, conn: conn,
			rpc: wirepb.NewWorkerClient(conn), health: healthpb.NewHealthClient(conn)})
	}
	return c, nil
}

// Close closes every connection.
func (c *Cluster) Close() error {
	var errs []error
	for _, w := range c.Workers {
		if w.conn != nil {
			errs = append(errs, w.conn.Close())
		}
	}
	return errors.Join(errs...)
}

// Healthy asks a worker's health service whether it is serving.
func (c *Cluster) Healthy(ctx context.Context, w *Worker) bool {
	to := c.HealthTimeout
	if to <= 0 {
		to = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, to)
	defer cancel()
	r, err := w.health.Check(ctx, &healthpb.HealthCheckRequest{Service: wirepb.Worker_ServiceDesc.ServiceName})
	return err == nil && r.Status == healthpb.HealthCheckResponse_SERVING
}

// WaitReady waits until every worker answers its health check.
func (c *Cluster) WaitReady(ctx context.Context) error {
	for _, w := range c.Workers {
		for !c.Healthy(ctx, w) {
			select {
			case <-ctx.Done():
				return fmt.Errorf("%v is not serving: %w", w, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}
