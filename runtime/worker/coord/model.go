package coord

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/runtime/worker/wirepb"
)

// modelFile is the graph written as an .edgeir file (the worker loads it
// without import passes), named by its SHA-256.
type modelFile struct {
	path string
	sha  string
	size int64
}

func writeModel(g *graphir.Graph) (*modelFile, error) {
	f, err := os.CreateTemp("", "edgectl-model-*.edgeir")
	if err != nil {
		return nil, err
	}
	// Readable by workers running as another user (containers of the
	// worker image run as 65532), into whose data directories it is
	// linked. CreateTemp makes it 0600.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	err = importer.WriteEdgeIR(bw, g)
	if err == nil {
		err = bw.Flush()
	}
	st, serr := f.Stat()
	if cerr := f.Close(); err == nil {
		err = errors.Join(serr, cerr)
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, fmt.Errorf("writing the model for the workers: %w", err)
	}
	return &modelFile{path: f.Name(), sha: hex.EncodeToString(h.Sum(nil)), size: st.Size()}, nil
}

func (m *modelFile) remove() {
	if m.path != "" {
		os.Remove(m.path)
	}
}

// place makes the model available to a worker: linked (or copied) into
// the data directory of a local worker, uploaded to any other.
func (m *modelFile) place(ctx context.Context, w *Worker) error {
	if w.DataDir != "" {
		return m.link(w.DataDir)
	}
	return m.upload(ctx, w)
}

func (m *modelFile) link(dir string) error {
	dst := filepath.Join(dir, "models", m.sha)
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Link(m.path, dst); err == nil || errors.Is(err, fs.ErrExist) {
		return nil
	}
	src, err := os.Open(m.path)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp := dst + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, src); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

const uploadChunk = 1 << 20

func (m *modelFile) upload(ctx context.Context, w *Worker) error {
	f, err := os.Open(m.path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := w.rpc.PutModel(ctx)
	if err != nil {
		return fmt.Errorf("%v: upload model: %w", w, err)
	}
	buf := make([]byte, uploadChunk)
	first := true
	for {
		n, rerr := io.ReadFull(f, buf)
		if n > 0 || first {
			c := &wirepb.ModelChunk{Data: buf[:n]}
			if first {
				c.Sha256, c.Size, first = m.sha, m.size, false
			}
			if err := st.Send(c); err != nil {
				break // the status comes with CloseAndRecv
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	if _, err := st.CloseAndRecv(); err != nil {
		return fmt.Errorf("%v: upload model: %w", w, err)
	}
	return nil
}
