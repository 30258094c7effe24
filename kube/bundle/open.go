package bundle

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Bundle is an opened bundle: an OCI archive (APP.tar, as Build and Pull
// write it), or a folder of its files (an image volume, or what `edgectl
// bundle pull --extract` writes), which has no digests above its files.
type Bundle struct {
	Path string
	Meta *Meta

	dir     bool
	f       *os.File
	entries map[string]entry // archive member -> where
	index   v1.Descriptor    // the bundle's index
	images  []imageRef
	layers  map[string]v1.Descriptor // bundle path -> layer
	sigs    []v1.Descriptor          // signature manifests in index.json
}

type entry struct{ off, size, have int64 }

type imageRef struct {
	desc     v1.Descriptor
	manifest *v1.Manifest
}

// Digest is the digest of the bundle's index (zero for a folder).
func (b *Bundle) Digest() v1.Hash { return b.index.Digest }

// IsDir says whether the bundle is a folder of files.
func (b *Bundle) IsDir() bool { return b.dir }

// Close closes the archive.
func (b *Bundle) Close() error {
	if b.f != nil {
		return b.f.Close()
	}
	return nil
}

// Open opens a bundle archive or folder and checks everything small: the
// index, manifests and configs against their digests, the layers they
// list against bundle.json. Large blobs are checked as they are read
// (ReadFile, OpenFile) or all at once by Verify.
func Open(path string) (*Bundle, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	b := &Bundle{Path: path, dir: st.IsDir()}
	if b.dir {
		err = b.openDir()
	} else {
		err = b.openArchive()
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("bundle %s: %w", path, err)
	}
	return b, nil
}

func (b *Bundle) openDir() error {
	data, err := os.ReadFile(filepath.Join(b.Path, MetaPath))
	if err != nil {
		return err
	}
	return b.setMeta(data)
}

func (b *Bundle) setMeta(data []byte) error {
	var m Meta
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("%s: %w", MetaPath, err)
	}
	if err := m.check(); err != nil {
		return err
	}
	b.Meta = &m
	return nil
}

func (b *Bundle) openArchive() error {
	f, err := os.Open(b.Path)
	if err != nil {
		return err
	}
	b.f = f
	if err := b.scan(); err != nil {
		return err
	}
	data, err := b.member("index.json", 1<<20)
	if err != nil {
		return err
	}
	var top v1.IndexManifest
	if err := json.Unmarshal(data, &top); err != nil {
		return fmt.Errorf("index.json: %w", err)
	}
	found := 0
	for _, d := range top.Manifests {
		switch {
		case d.Annotations[SignatureOfAnnotation] != "":
			b.sigs = append(b.sigs, d)
		case d.MediaType == types.OCIImageIndex:
			b.index, found = d, found+1
		}
	}
	if found != 1 {
		return fmt.Errorf("index.json lists %d image indexes, want the bundle's one", found)
	}
	return b.readIndex()
}

// scan records where every member of the archive is; a member cut short
// by the end of the file is recorded with the bytes it has.
func (b *Bundle) scan() error {
	st, err := b.f.Stat()
	if err != nil {
		return err
	}
	b.entries = map[string]entry{}
	tr := tar.NewReader(b.f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if len(b.entries) == 0 {
				return fmt.Errorf("not an OCI archive: %w", err)
			}
			return nil // truncated: the members so far are kept, the rest are missing
		}
		off, err := b.f.Seek(0, io.SeekCurrent)
		if err != nil {
			return err
		}
		if h.Typeflag == tar.TypeReg {
			b.entries[filepath.Clean(h.Name)] = entry{off: off, size: h.Size, have: min(h.Size, max(0, st.Size()-off))}
		}
	}
}

// member reads a small archive member that no digest covers.
func (b *Bundle) member(name string, limit int64) ([]byte, error) {
	e, ok := b.entries[name]
	switch {
	case !ok:
		return nil, fmt.Errorf("%s is missing: not an OCI archive", name)
	case e.have < e.size:
		return nil, fmt.Errorf("%s is truncated: %d of %d bytes", name, e.have, e.size)
	case e.size > limit:
		return nil, fmt.Errorf("%s has %d bytes, more than %d", name, e.size, limit)
	}
	data := make([]byte, e.size)
	_, err := b.f.ReadAt(data, e.off)
	return data, err
}

// blob returns a reader of the blob d, after checking that it is there
// whole; the caller checks the digest.
func (b *Bundle) blob(d v1.Descriptor, name string) (*io.SectionReader, error) {
	e, ok := b.entries["blobs/"+d.Digest.Algorithm+"/"+d.Digest.Hex]
	switch {
	case !ok:
		return nil, &BlobError{Digest: d.Digest, Name: name, Problem: "is missing from the archive"}
	case e.have < e.size:
		return nil, &BlobError{Digest: d.Digest, Name: name, Problem: fmt.Sprintf("is truncated: %d of %d bytes", e.have, e.size)}
	case e.size != d.Size:
		return nil, &BlobError{Digest: d.Digest, Name: name, Problem: fmt.Sprintf("has %d bytes, its descriptor says %d", e.size, d.Size)}
	}
	return io.NewSectionReader(b.f, e.off, e.size), nil
}

// smallBlob reads and checks a blob of at most 4 MiB.
func (b *Bundle) smallBlob(d v1.Descriptor, name string) ([]byte, error) {
	if d.Size > 4<<20 {
		return nil, &BlobError{Digest: d.Digest, Name: name, Problem: fmt.Sprintf("has %d bytes, too many for a %s", d.Size, name)}
	}
	r, err := b.blob(d, name)
	if err != nil {
		return nil, err
	}
	data := make([]byte, d.Size)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, err
	}
	h, _, _ := v1.SHA256(bytesReader(data))
	if h != d.Digest {
		return nil, &BlobError{Digest: d.Digest, Name: name, Problem: "content does not match its digest (tampered or corrupt)"}
	}
	return data, nil
}
