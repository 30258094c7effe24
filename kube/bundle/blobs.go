package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// maxSmallFile bounds what ReadFile reads into memory (64 MiB).
const maxSmallFile = 64 << 20

// ReadFile reads one file of the bundle whole, checked (OpenFile).
func (b *Bundle) ReadFile(path string) ([]byte, error) {
	rc, size, err := b.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if size > maxSmallFile {
		return nil, fmt.Errorf("%s has %d bytes: too large to read whole", path, size)
	}
	return io.ReadAll(rc)
}

// OpenFile opens one file of the bundle and its size. The reader checks
// what it read when it reaches the end: the layer's digest (archives) and
// the file's sha256 from bundle.json; a mismatch is a *BlobError (or an
// error naming the file) in place of io.EOF.
func (b *Bundle) OpenFile(path string) (io.ReadCloser, int64, error) {
	var want File
	if path != MetaPath {
		var ok bool
		if want, ok = b.Meta.File(path); !ok {
			return nil, 0, fmt.Errorf("bundle %s has no file %s", b.Path, path)
		}
	}
	if b.dir {
		f, err := os.Open(filepath.Join(b.Path, filepath.FromSlash(path)))
		if err != nil {
			return nil, 0, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		if path != MetaPath && st.Size() != want.Size {
			f.Close()
			return nil, 0, fmt.Errorf("bundle file %s has %d bytes, %s says %d (truncated or altered)", path, st.Size(), MetaPath, want.Size)
		}
		return &checked{r: f, c: f, file: sha256.New(), want: want, path: path}, st.Size(), nil
	}
	l, ok := b.layers[path]
	if !ok {
		return nil, 0, fmt.Errorf("bundle %s has no layer holding %s", b.Path, path)
	}
	sr, err := b.blob(l, path)
	if err != nil {
		return nil, 0, err
	}
	lh := sha256.New()
	tee := io.TeeReader(sr, lh)
	tr := tar.NewReader(tee)
	h, err := tr.Next()
	if err != nil || h.Typeflag != tar.TypeReg || filepath.Clean(h.Name) != filepath.Clean(path) {
		return nil, 0, &BlobError{Digest: l.Digest, Name: path, Problem: "is not a tar holding " + path}
	}
	c := &checked{r: tr, file: sha256.New(), want: want, path: path, layer: lh, rest: tee, desc: l}
	return c, h.Size, nil
}

// checked reads a file and checks it at the end.
type checked struct {
	r    io.Reader
	c    io.Closer
	file hash.Hash
	want File
	path string
	// For a file from a layer: the layer's hash, the rest of the layer to
	// drain into it, and its descriptor.
	layer hash.Hash
	rest  io.Reader
	desc  v1.Descriptor
	err   error
}

func (c *checked) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	c.file.Write(p[:n])
	if err == io.EOF {
		err = c.finish()
	} else if err != nil {
		err = fmt.Errorf("bundle file %s: %w", c.path, err)
	}
	c.err = err
	return n, err
}

func (c *checked) finish() error {
	if c.layer != nil {
		if _, err := io.Copy(io.Discard, c.rest); err != nil {
			return err
		}
		if hex.EncodeToString(c.layer.Sum(nil)) != c.desc.Digest.Hex {
			return &BlobError{Digest: c.desc.Digest, Name: c.path, Problem: "content does not match its digest (tampered or corrupt)"}
		}
	}
	if c.want.SHA256 != "" && hex.EncodeToString(c.file.Sum(nil)) != c.want.SHA256 {
		return fmt.Errorf("bundle file %s: content does not match its sha256 in %s (tampered or corrupt)", c.path, MetaPath)
	}
	return io.EOF
}

func (c *checked) Close() error {
	if c.c != nil {
		return c.c.Close()
	}
	return nil
}
