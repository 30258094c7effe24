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
}

// Server holds the session and serves HTTP.
type Server struct {
	cfg Config
	mu  sync.Mutex
	s   *coord.Session
	cl  *coord.Cluster
	err error // why there is no session
	run sync.Mutex
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
	cfg.Session.Model = cfg.Model
	return &Server{cfg: cfg, err: errors.New("opening the session")}, nil
}

// Run serves on listen until ctx ends, keeping a session open; ready is
// called with the address once it listens.
func (s *Server) Run(ctx context.Context, listen string, ready func(addr string)) error {
	lis, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go s.keepOpen(ctx)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	if ready != nil {
		ready(lis.Addr().String())
	}
	err = hs.Serve(lis)
	s.close()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
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
			}
		}
		select {
		case <-ctx.Done():
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
	s.mu.Unlock()
	return nil
}

// close drops the session (a later keepOpen opens a new one).
func (s *Server) close() {
	s.mu.Lock()
	sess, cl := s.s, s.cl
	s.s, s.cl = nil, nil
	s.mu.Unlock()
	if sess != nil {
		sess.Close(context.Background())
	}
	if cl != nil {
		cl.Close()
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
