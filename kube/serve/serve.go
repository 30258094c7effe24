package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/worker/coord"
)

// Config is what the coordinator serves.
type Config struct {
	Graph *graphir.Graph // may lack the weights
	Plan  *graphir.Plan
	// Model is the SHA-256 under which every worker holds its shard.
	Model string
	// Workers are "DEVICE=ADDR" for every device of the plan.
	Workers []string
	Auth    coord.Auth
	Session coord.Options
	Log     *slog.Logger
	// Retry is the pause between attempts to open the session (0: 2s).
	Retry time.Duration
	// Patience is how long a request waits for a session, and retries
	// its frame on a new one after a failure, before it fails (0: 60s):
	// a worker replaced during a roll costs a request time, not an error.
	Patience time.Duration
	// DrainDelay is how long Run, told to stop, goes on serving while
	// /readyz says 503, so that Kubernetes routes new requests to the new
	// coordinator before this one closes its listener (0: none).
	DrainDelay time.Duration
}

// Server holds the session and serves HTTP.
type Server struct {
	cfg    Config
	mu     sync.Mutex
	s      *coord.Session
	cl     *coord.Cluster
	err    error         // why there is no session
	opened chan struct{} // closed when a session opens (then replaced)
	lost   chan struct{} // a send asks keepOpen to reopen at once
	// stopping is set once Run is told to stop: /readyz says 503.
	stopping bool
	run      sync.Mutex
}

// New checks cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Graph == nil || cfg.Plan == nil || cfg.Model == "" || len(cfg.Workers) == 0 {
		return nil, errors.New("serve: needs a graph, a plan, a model digest and workers")
	}
	if len(cfg.Graph.Inputs) != 1 {
		return nil, fmt.Errorf("serve: the model has %d inputs; serving takes one", len(cfg.Graph.Inputs))
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Retry == 0 {
		cfg.Retry = 2 * time.Second
	}
	if cfg.Patience == 0 {
		cfg.Patience = time.Minute
	}
	cfg.Session.Model = cfg.Model
	return &Server{cfg: cfg, err: errors.New("opening the session"), opened: make(chan struct{}), lost: make(chan struct{}, 1)}, nil
}

// Run serves on listen until ctx ends, keeping a session open; ready is
// called with the address once it listens. Told to stop, it reports not
// ready, serves on for DrainDelay, then lets the requests in progress
// finish (at most Patience) and closes the session, which is what lets
// the workers of an old plan, draining, stop.
func (s *Server) Run(ctx context.Context, listen string, ready func(addr string)) error {
	lis, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	kctx, stopKeeping := context.WithCancel(context.Background())
	defer stopKeeping()
	go s.keepOpen(kctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		s.mu.Lock()
		s.stopping = true
		s.mu.Unlock()
		if s.cfg.DrainDelay > 0 {
			s.cfg.Log.Info("stopping: not ready, serving on while requests are routed elsewhere", "delay", s.cfg.DrainDelay)
			time.Sleep(s.cfg.DrainDelay)
		}
		sctx, cancel := context.WithTimeout(context.Background(), s.cfg.Patience+5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	if ready != nil {
		ready(lis.Addr().String())
	}
	err = hs.Serve(lis)
	if errors.Is(err, http.ErrServerClosed) {
		<-stopped // Shutdown returns once the requests in progress are done
		err = nil
	}
	stopKeeping()
	s.close(nil)
	return err
}

// keepOpen opens the session whenever there is none.
func (s *Server) keepOpen(ctx context.Context) {
	for ctx.Err() == nil {
		s.mu.Lock()
		open := s.s != nil
		s.mu.Unlock()
		if !open {
			if err := s.open(ctx); err != nil {
				s.cfg.Log.Warn("session not open", "err", err)
				s.mu.Lock()
				s.err = err
				s.mu.Unlock()
			} else {
				s.cfg.Log.Info("session open", "workers", len(s.cfg.Workers))
				continue
			}
		}
		select {
		case <-ctx.Done():
		case <-s.lost:
		case <-time.After(s.cfg.Retry):
		}
	}
}

func (s *Server) open(ctx context.Context) error {
	addrs, devices, err := workerMap(s.cfg.Workers)
	if err != nil {
		return err
	}
	cl, err := coord.Dial(addrs, s.cfg.Auth)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := cl.WaitReady(wctx); err != nil {
		cl.Close()
		return err
	}
	opts := s.cfg.Session
	opts.Devices = devices
	sess, err := cl.Open(ctx, s.cfg.Graph, s.cfg.Plan, opts)
	if err != nil {
		cl.Close()
		return err
	}
	s.mu.Lock()
	s.s, s.cl, s.err = sess, cl, nil
	close(s.opened)
	s.opened = make(chan struct{})
	s.mu.Unlock()
	return nil
}

// session waits until a session is open, or ctx ends.
func (s *Server) session(ctx context.Context) (*coord.Session, error) {
	for {
		s.mu.Lock()
		sess, opened, why := s.s, s.opened, s.err
		s.mu.Unlock()
		if sess != nil {
			return sess, nil
		}
		select {
		case <-opened:
		case <-ctx.Done():
			return nil, fmt.Errorf("no session: %w", why)
		}
	}
}

// close drops the session (a later keepOpen opens a new one); with a
// session given, only if that is still the one open, so that a request
// whose frame failed does not close the session another one opened since.
// cause, when set, becomes why there is no session.
func (s *Server) close(failed *coord.Session, cause ...error) {
	s.mu.Lock()
	if failed != nil && s.s != failed {
		s.mu.Unlock()
		return
	}
	sess, cl := s.s, s.cl
	s.s, s.cl = nil, nil
	if len(cause) > 0 {
		s.err = cause[0]
	}
	s.mu.Unlock()
	if sess != nil {
		sess.Close(context.Background())
	}
	if cl != nil {
		cl.Close()
	}
	select {
	case s.lost <- struct{}{}:
	default:
	}
}

// workerMap splits "DEVICE=ADDR" specs into addresses and the device map.
func workerMap(specs []string) ([]string, map[string]int, error) {
	var addrs []string
	devices := map[string]int{}
	for _, w := range specs {
		d, a, ok := strings.Cut(w, "=")
		if !ok || d == "" || a == "" {
			return nil, nil, fmt.Errorf("worker %q: want DEVICE=ADDR", w)
		}
		devices[d] = len(addrs)
		addrs = append(addrs, a)
	}
	return addrs, devices, nil
}
