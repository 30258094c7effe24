package bundle

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
)

// writeEdgeIR writes g to path and returns its SHA-256 and size.
func writeEdgeIR(path string, g *graphir.Graph) (string, int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	err = importer.WriteEdgeIR(bw, g)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, fmt.Errorf("writing the model: %w", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), st.Size(), nil
}

// readHeader reads an .edgeir file's values and where its weights start.
func readHeader(r io.ReaderAt) (int64, []edgeirValue, error) {
	var pre [24]byte
	if _, err := r.ReadAt(pre[:], 0); err != nil {
		return 0, nil, fmt.Errorf("edgeir header: %w", err)
	}
	hlen := int64(binary.LittleEndian.Uint64(pre[16:]))
	if hlen <= 0 || hlen > 1<<28 {
		return 0, nil, fmt.Errorf("edgeir header: length %d", hlen)
	}
	js := make([]byte, hlen)
	if _, err := r.ReadAt(js, 24); err != nil {
		return 0, nil, fmt.Errorf("edgeir header: %w", err)
	}
	var h struct {
		Values []edgeirValue `json:"values"`
	}
	if err := json.Unmarshal(js, &h); err != nil {
		return 0, nil, fmt.Errorf("edgeir header: %w", err)
	}
	start := 24 + hlen
	start += (align - start%align) % align
	return start, h.Values, nil
}

// section is a byte range of a file.
type section struct{ off, n int64 }

// copyTo writes the sections of src, each padded with zeros to 64 bytes
// (but for a single section starting at 0: the header, unpadded), into
// the file dst and records it as the bundle's path.
func (p *modelParts) copyTo(src io.ReaderAt, path, dst string, secs []section) error {
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	pad := make([]byte, align)
	for _, s := range secs {
		if _, err = io.Copy(bw, io.NewSectionReader(src, s.off, s.n)); err != nil {
			break
		}
		if s.off != 0 {
			bw.Write(pad[:(align-s.n%align)%align])
		}
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	p.files[path] = dst
	return nil
}
