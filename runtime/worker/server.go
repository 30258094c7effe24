package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/profile"
	"github.com/edgectl/edgectl/runtime/worker/internal/auth"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// Config is what a worker needs. At least one of Token and ClientCA must be
// set: a worker never serves unauthenticated calls (the health service
// excepted).
type Config struct {
	// DataDir is the only directory the worker reads or writes: uploaded
	// models go to DataDir/models, model paths of requests resolve inside
	// it. It must exist.
	DataDir string
	// Token is the shared secret callers send as "authorization: Bearer
	// TOKEN" (at least auth.MinTokenLen characters). The worker sends it to
	// its peers too.
	Token string
	// TLSCert and TLSKey make the worker serve TLS; ClientCA then accepts
	// callers presenting a certificate it signed (mTLS). The worker presents
	// TLSCert to its peers and verifies theirs against ClientCA.
	TLSCert, TLSKey, ClientCA string
	// Threads is the intra-op threads of each tile (0: all cores).
	Threads int
	// Kernels are extra kernel implementations for this worker's device
	// class (a Wasm plugin's), used beside the native ones.
	Kernels map[graphir.Op][]kernelapi.Impl
	// Slots is the number of jobs computing at once (0: 1); other jobs wait
	// in the queue, measured by edgectl_worker_tile_queue_seconds.
	Slots int
	// SessionIdle drops a session unused this long, and parts buffered this
	// long (0: 30 minutes).
	SessionIdle time.Duration
	// Log receives one line per session opened or closed and per failed
	// job (nil: discarded).
	Log *slog.Logger
	// HasWeights, when set, says which constants' data the worker holds: a
	// worker started from a bundle shard (kube/bundle) has only the
	// weights of its own stages (of a channel-split layer, only its
	// slice), the rest of its model file being a hole. runs are the byte
	// ranges [lo, hi) of the constant's data that the tiles read, in
	// order; nil means all of it. Open refuses tiles whose stages need
	// data it lacks, rather than compute with zeros.
	HasWeights func(name string, runs [][2]int64) bool
	// WeightsOrigin names where the weights came from in that error
	// (e.g. "bundle shard of device dev-1").
	WeightsOrigin string
	// Drain is how long Run, told to stop, keeps serving the sessions
	// already open (Drain) before it stops (0: it stops at once).
	Drain time.Duration
}

// Server is one worker: the gRPC service, the health service and metrics.
type Server struct {
	wirepb.UnimplementedWorkerServer

	cfg    Config
	root   *os.Root
	grpc   *grpc.Server
	health *health.Server
	m      *metrics
	log    *slog.Logger
	mail   *mailbox
	peers  *peers
	slots  chan struct{}

	measure   measureFunc
	profiling atomic.Bool // a Profile call is running
	mem       *memKeeper  // the process's memory limit (Run only; nil: none)

	mu       sync.Mutex
	sessions map[string]*session
	draining bool
	stop     chan struct{}
	stopOnce sync.Once
}

// Configuration errors of New that a caller may explain in its own terms
// (the CLI names its flags).
var (
	ErrNoAuth            = errors.New("worker: no token and no client CA: refusing to serve without authentication")
	ErrClientCANeedsCert = errors.New("worker: a client CA (mTLS) needs a TLS certificate and key")
)

// New checks cfg and builds a worker; Serve starts it.
func New(cfg Config) (*Server, error) {
	if cfg.Token == "" && cfg.ClientCA == "" {
		return nil, ErrNoAuth
	}
	if err := auth.CheckToken(cfg.Token); err != nil {
		return nil, fmt.Errorf("worker: %w", err)
	}
	if cfg.ClientCA != "" && (cfg.TLSCert == "" || cfg.TLSKey == "") {
		return nil, ErrClientCANeedsCert
	}
	if cfg.DataDir == "" {
		return nil, errors.New("worker: no data directory")
	}
	root, err := os.OpenRoot(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("worker: data directory: %w", err)
	}
	if cfg.Slots <= 0 {
		cfg.Slots = 1
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 30 * time.Minute
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{cfg: cfg, root: root, m: newMetrics(), log: log, sessions: map[string]*session{},
		slots: make(chan struct{}, cfg.Slots), stop: make(chan struct{}), measure: profile.Measure}
	s.mail = newMailbox(s.m.mailBytes)
	a := &auth.Authorizer{Token: cfg.Token, MTLS: cfg.ClientCA != ""}
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(s.m.unary, a.Unary),
		grpc.ChainStreamInterceptor(s.m.stream, a.Stream),
		grpc.InitialWindowSize(auth.StreamWindow),
		grpc.InitialConnWindowSize(auth.ConnWindow),
		grpc.WriteBufferSize(auth.SocketBuffer),
		grpc.ReadBufferSize(auth.SocketBuffer),
	}
	if cfg.TLSCert != "" || cfg.TLSKey != "" {
		creds, err := auth.ServerCreds(cfg.TLSCert, cfg.TLSKey, cfg.ClientCA)
		if err != nil {
			root.Close()
			return nil, fmt.Errorf("worker: %w", err)
		}
		opts = append(opts, grpc.Creds(creds))
		pc, err := auth.ClientTLS(cfg.TLSCert, cfg.TLSKey, cfg.ClientCA)
		if err != nil {
			root.Close()
			return nil, fmt.Errorf("worker: %w", err)
		}
		s.peers = newPeers(auth.DialOptions(cfg.Token, pc))
	} else {
		s.peers = newPeers(auth.DialOptions(cfg.Token, nil))
	}
	s.grpc = grpc.NewServer(opts...)
	s.health = health.NewServer()
	healthpb.RegisterHealthServer(s.grpc, s.health)
	wirepb.RegisterWorkerServer(s.grpc, s)
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	s.health.SetServingStatus(wirepb.Worker_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	s.health.SetServingStatus(LivenessService, healthpb.HealthCheckResponse_SERVING)
	go s.janitor()
	return s, nil
}

// Serve serves calls on lis until Stop.
func (s *Server) Serve(lis net.Listener) error { return s.grpc.Serve(lis) }

// Metrics is the Prometheus /metrics handler of this worker.
func (s *Server) Metrics() http.Handler {
	return promhttp.HandlerFor(s.m.reg, promhttp.HandlerOpts{Registry: s.m.reg})
}

// Stop reports NOT_SERVING, stops accepting calls, waits up to grace for
// calls in progress, then closes everything.
func (s *Server) Stop(grace time.Duration) {
	s.stopOnce.Do(func() {
		close(s.stop)
		s.health.Shutdown()
		done := make(chan struct{})
		go func() { s.grpc.GracefulStop(); close(done) }()
		select {
		case <-done:
		case <-time.After(grace):
			s.grpc.Stop()
		}
		s.peers.close()
		s.root.Close()
	})
}

// LivenessService is the health service name that says SERVING for as long
// as the worker runs, draining included (the liveness probe's), while ""
// and the worker service turn NOT_SERVING once it drains (readiness).
const LivenessService = "edgectl.worker.Liveness"

// Drain is what a worker told to stop (SIGTERM under Kubernetes) does
// before Stop, so that a roll loses no frame: it reports NOT_SERVING on
// its health service (Kubernetes takes the pod out of its Service, and
// new sessions go to its replacement) and refuses new sessions
// (Unavailable), but keeps running the jobs of the sessions already open
// until their coordinators close them, or ctx ends. It returns how many
// sessions were still open at the end.
func (s *Server) Drain(ctx context.Context) int {
	s.mu.Lock()
	s.draining = true
	s.mu.Unlock()
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	s.health.SetServingStatus(wirepb.Worker_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_NOT_SERVING)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		n := len(s.sessions)
		s.mu.Unlock()
		if n == 0 {
			return 0
		}
		select {
		case <-ctx.Done():
			return n
		case <-tick.C:
		}
	}
}

// janitor drops idle sessions and parts nobody collected.
func (s *Server) janitor() {
	tick := time.NewTicker(max(time.Second, min(time.Minute, s.cfg.SessionIdle/2)))
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-tick.C:
			s.mu.Lock()
			for id, ss := range s.sessions {
				if now.Sub(ss.lastUse()) > s.cfg.SessionIdle {
					delete(s.sessions, id)
					s.mail.dropSession(id)
					s.log.Info("session dropped (idle)", "session", id)
				}
			}
			s.m.sessions.Set(float64(len(s.sessions)))
			s.mu.Unlock()
			s.mail.expire(now.Add(-s.cfg.SessionIdle))
		}
	}
}

// WorkerGCPercent is the garbage collector's target of a worker process
// (Run; $GOGC overrides it), beside the memory limit that HeapHeadroom
// sets ($GOMEMLIMIT overrides that). A worker's heap is mostly its weights: live,
// pointer-free memory that the collector marks without scanning, but
// that sets the heap goal. With Go's default of 100 a worker holding
// 553 MB of weights let 550 MB of frames' garbage accumulate before a
// collection (VGG-16 on one 0.2-core container: peak RSS 822 MB with
// one frame at a time, 1294 MB streamed); at 25 collections come four
// times as often, and mark little.
const WorkerGCPercent = 25

// Run serves a worker on listen (and /metrics on metricsListen when set)
// until ctx ends. ready, when set, is called with the bound addresses once
// both listen.
func Run(ctx context.Context, cfg Config, listen, metricsListen string, ready func(addr, metricsAddr string)) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(WorkerGCPercent)
	}
	s, err := New(cfg)
	if err != nil {
		return err
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		s.mem = newMemKeeper(HeapHeadroom)
		go s.mem.run(time.Second, s.stop)
	}
	lis, err := net.Listen("tcp", listen)
	if err != nil {
		s.Stop(0)
		return fmt.Errorf("worker: %w", err)
	}
	var hs *http.Server
	maddr := ""
	if metricsListen != "" {
		ml, err := net.Listen("tcp", metricsListen)
		if err != nil {
			lis.Close()
			s.Stop(0)
			return fmt.Errorf("worker: metrics: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", s.Metrics())
		hs = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		maddr = ml.Addr().String()
		go hs.Serve(ml)
	}
	if cfg.TLSCert == "" {
		if ap, err := netip.ParseAddrPort(lis.Addr().String()); err == nil && !ap.Addr().IsLoopback() {
			s.log.Warn("serving without TLS on a non-loopback address: the token crosses the network in clear (configure a TLS certificate and key)", "addr", lis.Addr().String())
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(lis) }()
	if ready != nil {
		ready(lis.Addr().String(), maddr)
	}
	select {
	case <-ctx.Done():
		err = nil
		if cfg.Drain > 0 {
			s.log.Info("draining: serving the open sessions until they close", "limit", cfg.Drain)
			dctx, cancel := context.WithTimeout(context.Background(), cfg.Drain)
			if n := s.Drain(dctx); n > 0 {
				s.log.Warn("drain time over: stopping with sessions open", "sessions", n)
			}
			cancel()
		}
	case err = <-errc:
	}
	if hs != nil {
		hs.Close()
	}
	s.Stop(5 * time.Second)
	return err
}
