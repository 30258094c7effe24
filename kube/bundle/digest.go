package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func newHash() hash.Hash { return sha256.New() }

// digestReader checks at the end of r that what it read has digest d.
type digestReader struct {
	r    io.Reader
	h    hash.Hash
	d    v1.Hash
	name string
}

func (r *digestReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.h.Write(p[:n])
	if err == io.EOF && hex.EncodeToString(r.h.Sum(nil)) != r.d.Hex {
		return n, &BlobError{Digest: r.d, Name: r.name, Problem: "content does not match its digest (tampered or corrupt)"}
	}
	return n, err
}

func (r *digestReader) Close() error { return nil }
