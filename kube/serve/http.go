package serve

import (
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
)

// Handler is the HTTP API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		err := s.err
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
	s.mu.Lock()
	sess := s.s
	s.mu.Unlock()
	if sess == nil {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	s.run.Lock() // one request's frame at a time through the pipeline
	outs, _, err := sess.Run(r.Context(), []map[string]*graphir.Tensor{{g.Inputs[0].Name: in}})
	s.run.Unlock()
	if err != nil {
		s.cfg.Log.Warn("inference failed; reopening the session", "err", err)
		s.close()
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		http.Error(w, "inference: "+err.Error(), http.StatusBadGateway)
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
