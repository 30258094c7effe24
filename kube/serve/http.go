package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/runtime"
)

// Handler is the HTTP API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		err := s.err
		if s.stopping {
			err = errors.New("stopping")
		}
		s.mu.Unlock()
		if err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.HandleFunc("POST /v1/infer", s.infer)
	return mux
}

func (s *Server) infer(w http.ResponseWriter, r *http.Request) {
	in, err := readTensor(r.Body)
	if err != nil {
		http.Error(w, "input: "+err.Error(), http.StatusBadRequest)
		return
	}
	g := s.cfg.Graph
	out := r.URL.Query().Get("output")
	if out == "" {
		out = g.Outputs[0].Name
	}
	if !slices.ContainsFunc(g.Outputs, func(v *graphir.Value) bool { return v.Name == out }) {
		http.Error(w, fmt.Sprintf("the model has no output %q", out), http.StatusBadRequest)
		return
	}
	frame := map[string]*graphir.Tensor{g.Inputs[0].Name: in}
	if err := runtime.CheckInputs(g, frame); err != nil {
		http.Error(w, "input: "+err.Error(), http.StatusBadRequest)
		return
	}
	outs, err := s.runFrame(r.Context(), frame)
	if err != nil {
		http.Error(w, "inference: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	t, ok := outs[0][out]
	if !ok {
		http.Error(w, fmt.Sprintf("the model has no output %q", out), http.StatusBadRequest)
		return
	}
	data, err := importer.EncodeTensor(t, out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(data)
}

// runFrame runs one frame, one at a time through the pipeline. A frame
// that fails (a worker gone: replaced in a roll, or restarted) closes the
// session and runs again on the next one, until Patience is spent: so a
// request that arrives, or is in flight, while workers are replaced
// takes longer instead of failing.
//
// A client that goes away (ctx ends) is not waited for any more, but a
// frame it started runs to its end (Patience bounds it) and its answer
// is dropped: stopped part way, it would have failed, and a failed frame
// closes the session for every request (a new one takes seconds to open
// on the workers).
func (s *Server) runFrame(ctx context.Context, frame map[string]*graphir.Tensor) ([]map[string]*graphir.Tensor, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Patience)
	defer cancel()
	deadline, _ := ctx.Deadline()
	frameCtx, cancelFrame := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	defer cancelFrame()
	for attempt := 1; ; attempt++ {
		sess, err := s.session(ctx)
		if err != nil {
			return nil, err
		}
		s.run.Lock()
		if err := ctx.Err(); err != nil {
			s.run.Unlock()
			return nil, err // gone before its frame started
		}
		outs, _, err := sess.Run(frameCtx, []map[string]*graphir.Tensor{frame})
		s.run.Unlock()
		if err == nil {
			return outs, nil
		}
		s.cfg.Log.Warn("inference failed; reopening the session and running the frame again", "attempt", attempt, "err", err)
		s.close(sess, err)
		if ctx.Err() != nil {
			return nil, err
		}
	}
}

// readTensor reads a TensorProto or .npy body (at most 256 MiB).
func readTensor(r io.Reader) (*graphir.Tensor, error) {
	f, err := os.CreateTemp("", "edgectl-input-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	_, err = io.Copy(f, io.LimitReader(r, 256<<20))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	t, _, err := importer.ReadTensorFile(f.Name())
	return t, err
}
