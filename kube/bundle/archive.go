package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// source is a blob to write into an archive: its descriptor and how to
// read it. name says what it is in errors.
type source struct {
	desc v1.Descriptor
	name string
	open func() (io.ReadCloser, error)
}

func memSource(b blob, name string) source {
	return source{desc: b.desc, name: name, open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b.data)), nil
	}}
}

func fileSource(l *layer) source {
	return source{desc: l.desc, name: l.path, open: func() (io.ReadCloser, error) { return os.Open(l.file) }}
}

// writeArchive writes an OCI archive (a tarred OCI image layout) to path,
// through a temporary file renamed at the end: index.json lists top, and
// every blob of blobs is copied in once and checked against its digest on
// the way, so that a bad source never becomes a good-looking archive.
func writeArchive(path string, top []v1.Descriptor, blobs []source) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".bundle-*.tar")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	tw := tar.NewWriter(tmp)
	index, err := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: top})
	if err != nil {
		return err
	}
	if err := tarFile(tw, "oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	if err := tarFile(tw, "index.json", index); err != nil {
		return err
	}
	for _, d := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o755, ModTime: epoch, Format: tar.FormatUSTAR}); err != nil {
			return err
		}
	}
	seen := map[v1.Hash]bool{}
	for _, s := range blobs {
		if seen[s.desc.Digest] {
			continue
		}
		seen[s.desc.Digest] = true
		if err := copyBlob(tw, s); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func tarFile(tw *tar.Writer, name string, data []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data)),
		ModTime: epoch, Format: tar.FormatUSTAR}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// copyBlob copies one blob into the archive, checking size and digest.
func copyBlob(tw *tar.Writer, s source) error {
	d := s.desc.Digest
	if d.Algorithm != "sha256" {
		return fmt.Errorf("blob %s (%s): only sha256 digests are supported", d, s.name)
	}
	rc, err := s.open()
	if err != nil {
		return fmt.Errorf("blob %s (%s): %w", short(d), s.name, err)
	}
	defer rc.Close()
	if err := tw.WriteHeader(&tar.Header{Name: "blobs/sha256/" + d.Hex, Typeflag: tar.TypeReg, Mode: 0o644,
		Size: s.desc.Size, ModTime: epoch, Format: tar.FormatUSTAR}); err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, h), io.LimitReader(rc, s.desc.Size))
	switch {
	case err != nil:
		return fmt.Errorf("blob %s (%s): %w", short(d), s.name, err)
	case n != s.desc.Size:
		return &BlobError{Digest: d, Name: s.name, Problem: fmt.Sprintf("has %d bytes, its descriptor says %d (truncated or altered)", n, s.desc.Size)}
	case hex.EncodeToString(h.Sum(nil)) != d.Hex:
		return &BlobError{Digest: d, Name: s.name, Problem: "content does not match its digest (tampered or corrupt)"}
	}
	return nil
}

// BlobError is a blob that is missing, truncated or not what its digest
// says; Name is the bundle file (or manifest, config) it holds.
type BlobError struct {
	Digest  v1.Hash
	Name    string
	Problem string
}

func (e *BlobError) Error() string {
	return fmt.Sprintf("blob %s (%s): %s", short(e.Digest), e.Name, e.Problem)
}

// short is a digest cut to 12 hex digits, as registries and engines show
// them.
func short(d v1.Hash) string {
	if len(d.Hex) > 12 {
		return d.Algorithm + ":" + d.Hex[:12]
	}
	return d.String()
}
