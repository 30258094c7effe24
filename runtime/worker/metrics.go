package worker

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// metrics are the worker's Prometheus metrics, on a registry of its own
// (several workers may live in one test process). Names in docs/worker.md.
type metrics struct {
	reg       *prometheus.Registry
	tiles     *prometheus.CounterVec
	bytesIn   prometheus.Counter
	bytesOut  prometheus.Counter
	compute   prometheus.Histogram
	queue     prometheus.Histogram
	wait      prometheus.Histogram
	send      prometheus.Histogram
	failures  *prometheus.CounterVec
	sessions  prometheus.Gauge
	mailBytes prometheus.Gauge
}

// timeBuckets span 100 µs to about 100 s.
var timeBuckets = prometheus.ExponentialBuckets(1e-4, 2.5, 16)

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.tiles = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgectl_worker_tiles_total",
		Help: "Tiles computed, by stage index (a job running several tiles as one counts each)."}, []string{"stage"})
	m.bytesIn = prometheus.NewCounter(prometheus.CounterOpts{Name: "edgectl_worker_bytes_received_total",
		Help: "Tensor data bytes received in parts (Push)."})
	m.bytesOut = prometheus.NewCounter(prometheus.CounterOpts{Name: "edgectl_worker_bytes_sent_total",
		Help: "Tensor data bytes sent in parts (to peers and back to callers)."})
	m.compute = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "edgectl_worker_tile_compute_seconds",
		Help: "Time running a job's tile(s).", Buckets: timeBuckets})
	m.queue = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "edgectl_worker_tile_queue_seconds",
		Help: "Time a job waited for the compute slot after its inputs arrived.", Buckets: timeBuckets})
	m.wait = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "edgectl_worker_tile_wait_seconds",
		Help: "Time a job waited for its input pieces.", Buckets: timeBuckets})
	m.send = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "edgectl_worker_tile_send_seconds",
		Help: "Time a job spent cutting and sending its outputs.", Buckets: timeBuckets})
	m.failures = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgectl_worker_failures_total",
		Help: "Calls that ended in an error, by method and gRPC code."}, []string{"method", "code"})
	m.sessions = prometheus.NewGauge(prometheus.GaugeOpts{Name: "edgectl_worker_sessions",
		Help: "Open sessions."})
	m.mailBytes = prometheus.NewGauge(prometheus.GaugeOpts{Name: "edgectl_worker_mailbox_bytes",
		Help: "Bytes of received parts waiting for their job."})
	m.reg.MustRegister(m.tiles, m.bytesIn, m.bytesOut, m.compute, m.queue, m.wait, m.send, m.failures, m.sessions, m.mailBytes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) stage(i int) prometheus.Counter { return m.tiles.WithLabelValues(strconv.Itoa(i)) }

func (m *metrics) fail(method string, err error) {
	if err != nil {
		m.failures.WithLabelValues(method, status.Code(err).String()).Inc()
	}
}

// unary and stream count failures; they run after authentication so that
// rejected calls count too (the auth interceptor is chained after these).
func (m *metrics) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	resp, err := h(ctx, req)
	m.fail(info.FullMethod, err)
	return resp, err
}

func (m *metrics) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	err := h(srv, ss)
	m.fail(info.FullMethod, err)
	return err
}
