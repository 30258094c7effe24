package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"path"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// entry is one file or directory of a layer.
type entry struct {
	name     string // absolute path in the image
	mode     int64  // permission bits, with sticky etc.
	uid, gid int
	dir      bool
	data     []byte
}

func dirEntry(name string, mode int64, uid, gid int) entry {
	return entry{name: name, mode: mode, uid: uid, gid: gid, dir: true}
}

func fileEntry(name string, mode int64, data []byte) entry {
	return entry{name: name, mode: mode, data: data}
}

// passwd and group name root, nobody and the worker's user, so that ps,
// ls and id inside the container show a name.
var (
	passwd = fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\n"+
		"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"+
		"%s:x:%d:%d:edgectl worker:%s:/sbin/nologin\n", UserName, UID, GID, DataDir)
	group = fmt.Sprintf("root:x:0:\nnobody:x:65534:\n%s:x:%d:\n", UserName, GID)
)

// baseEntries is the scratch image's only layer: users, a world-writable
// /tmp (a scratch image has none), the worker's data directory owned by
// its user, and the directory that will hold the binary.
func baseEntries() []entry {
	return []entry{
		dirEntry("/etc", 0o755, 0, 0),
		fileEntry("/etc/group", 0o644, []byte(group)),
		fileEntry("/etc/passwd", 0o644, []byte(passwd)),
		dirEntry("/tmp", 0o1777, 0, 0),
		dirEntry("/usr", 0o755, 0, 0),
		dirEntry("/usr/local", 0o755, 0, 0),
		dirEntry("/usr/local/bin", 0o755, 0, 0),
		dirEntry("/var", 0o755, 0, 0),
		dirEntry("/var/lib", 0o755, 0, 0),
		dirEntry(DataDir, 0o755, UID, GID),
	}
}

// binaryEntries is the layer holding the edgectl binary (owned by root,
// so the worker cannot change it).
func binaryEntries(bin []byte) []entry {
	return []entry{
		dirEntry("/usr", 0o755, 0, 0),
		dirEntry("/usr/local", 0o755, 0, 0),
		dirEntry("/usr/local/bin", 0o755, 0, 0),
		fileEntry(BinaryPath, 0o755, bin),
	}
}

// tarLayer writes entries as a tar archive (paths without the leading
// slash, every timestamp mtime, no user or group names) compressed with
// gzip without a name or time in its header: the same entries give the
// same bytes and so the same digest (for one Go version's compress/gzip).
func tarLayer(entries []entry, mtime time.Time) (v1.Layer, error) {
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	for _, e := range entries {
		h := &tar.Header{
			Name:    e.name[1:],
			Mode:    e.mode,
			Uid:     e.uid,
			Gid:     e.gid,
			ModTime: mtime.Truncate(time.Second),
		}
		if path.Clean(e.name) != e.name || !path.IsAbs(e.name) {
			return nil, fmt.Errorf("layer entry %q: not a clean absolute path", e.name)
		}
		if e.dir {
			h.Typeflag, h.Name = tar.TypeDir, h.Name+"/"
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("layer entry %s: %w", e.name, err)
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, fmt.Errorf("layer entry %s: %w", e.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	l := &memLayer{tar: raw.Bytes(), gz: gz.Bytes()}
	if l.diffID, _, err = v1.SHA256(bytes.NewReader(l.tar)); err != nil {
		return nil, err
	}
	if l.digest, _, err = v1.SHA256(bytes.NewReader(l.gz)); err != nil {
		return nil, err
	}
	return l, nil
}

// memLayer is a layer held in memory, tar and gzip alike.
type memLayer struct {
	tar, gz        []byte
	diffID, digest v1.Hash
}

func (l *memLayer) Digest() (v1.Hash, error)            { return l.digest, nil }
func (l *memLayer) DiffID() (v1.Hash, error)            { return l.diffID, nil }
func (l *memLayer) Size() (int64, error)                { return int64(len(l.gz)), nil }
func (l *memLayer) MediaType() (types.MediaType, error) { return types.OCILayer, nil }
func (l *memLayer) Compressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.gz)), nil
}
func (l *memLayer) Uncompressed() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(l.tar)), nil
}
