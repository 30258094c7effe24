package worker

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// Everything the worker reads or writes goes through s.root (an os.Root on
// the data directory), which refuses paths that leave it, through ".." or
// through symbolic links.

// modelsDir holds uploaded models, named by their SHA-256.
const modelsDir = "models"

// MaxModelBytes bounds an uploaded model (8 GiB).
const MaxModelBytes = 8 << 30

// ModelPath is where a model uploaded with this SHA-256 (lowercase hex)
// lives, relative to the data directory.
func ModelPath(sha string) string { return filepath.Join(modelsDir, sha) }

func checkSHA(sha string) error {
	if len(sha) != 64 {
		return fmt.Errorf("sha256 %q is not 64 hex digits", sha)
	}
	for _, c := range sha {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("sha256 %q is not lowercase hex", sha)
		}
	}
	return nil
}

// PutModel implements wirepb.WorkerServer.
func (s *Server) PutModel(st wirepb.Worker_PutModelServer) error {
	first, err := st.Recv()
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "put model: no first chunk: %v", err)
	}
	sha, size := first.GetSha256(), first.GetSize()
	if err := checkSHA(sha); err != nil {
		return status.Errorf(codes.InvalidArgument, "put model: %v", err)
	}
	if size <= 0 || size > MaxModelBytes {
		return status.Errorf(codes.InvalidArgument, "put model: size %d is not in 1..%d", size, int64(MaxModelBytes))
	}
	if err := s.root.MkdirAll(modelsDir, 0o755); err != nil {
		return status.Errorf(codes.Internal, "put model: %v", err)
	}
	tmp := filepath.Join(modelsDir, ".upload-"+rand.Text())
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return status.Errorf(codes.Internal, "put model: %v", err)
	}
	defer s.root.Remove(tmp)
	h := sha256.New()
	w := io.MultiWriter(f, h)
	var n int64
	for c := first; ; {
		if n+int64(len(c.Data)) > size {
			f.Close()
			return status.Errorf(codes.InvalidArgument, "put model %s: more than the %d bytes announced", sha[:12], size)
		}
		if _, err := w.Write(c.Data); err != nil {
			f.Close()
			return status.Errorf(codes.Internal, "put model: %v", err)
		}
		n += int64(len(c.Data))
		if c, err = st.Recv(); err == io.EOF {
			break
		} else if err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Close(); err != nil {
		return status.Errorf(codes.Internal, "put model: %v", err)
	}
	if n != size {
		return status.Errorf(codes.InvalidArgument, "put model %s: truncated: %d of %d bytes arrived", sha[:12], n, size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		return status.Errorf(codes.InvalidArgument, "put model: data has sha256 %s, header says %s", got, sha)
	}
	if err := s.root.Rename(tmp, ModelPath(sha)); err != nil {
		return status.Errorf(codes.Internal, "put model: %v", err)
	}
	s.log.Info("model stored", "sha256", sha, "bytes", n)
	return st.SendAndClose(&wirepb.ModelRef{Path: ModelPath(sha), Sha256: sha, Size: n})
}

// modelFile resolves the model of an Open request to a path inside the
// data directory.
func modelFile(req *wirepb.OpenRequest) (string, error) {
	switch m := req.Model.(type) {
	case *wirepb.OpenRequest_Sha256:
		if err := checkSHA(m.Sha256); err != nil {
			return "", status.Errorf(codes.InvalidArgument, "open: %v", err)
		}
		return ModelPath(m.Sha256), nil
	case *wirepb.OpenRequest_Path:
		if !filepath.IsLocal(m.Path) {
			return "", status.Errorf(codes.InvalidArgument, "open: model path %q is not inside the data directory (want a relative path without ..)", m.Path)
		}
		return m.Path, nil
	}
	return "", status.Error(codes.InvalidArgument, "open: no model (want sha256 or path)")
}

// loadModel imports a model file inside the data directory: an .edgeir
// file, or an ONNX file (external data are refused). For an .edgeir file,
// skip names the weights whose data are not read (see importer.Options).
func (s *Server) loadModel(path string, skip func(string) bool) (*graphir.Graph, error) {
	return s.loadModelFrom(path, skip, nil)
}

// loadModelFrom is loadModel reading an .edgeir file through wrap (nil:
// directly).
func (s *Server) loadModelFrom(path string, skip func(string) bool, wrap func(io.ReaderAt) io.ReaderAt) (*graphir.Graph, error) {
	f, err := s.root.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, status.Errorf(codes.NotFound, "open: model %q is not in the data directory", path)
	case err != nil:
		// os.Root refuses paths that escape through symbolic links.
		return nil, status.Errorf(codes.InvalidArgument, "open: model %q: %v", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return nil, status.Errorf(codes.InvalidArgument, "open: model %q is not a regular file", path)
	}
	var head [8]byte
	n, _ := f.ReadAt(head[:], 0)
	var g *graphir.Graph
	if bytes.Equal(head[:n], []byte("\x89EDGEIR\n")) {
		var r io.ReaderAt = f
		if wrap != nil {
			r = wrap(f)
		}
		// Huge pages only for whole reads: a sparse read (wrap) leaves parts
		// of a tensor untouched, and a huge page would make them resident.
		g, err = importer.ReadEdgeIR(r, importer.Options{SkipConst: skip, HugePages: wrap == nil})
	} else {
		var b []byte
		if b, err = io.ReadAll(f); err == nil {
			g, err = importer.Decode(b, importer.Options{})
		}
	}
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "open: model %q: %v", path, err)
	}
	return g, nil
}
