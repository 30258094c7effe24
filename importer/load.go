package importer

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/edgectl/edgectl/graphir"
)

// LoadFile imports a model from an ONNX file or an .edgeir file (told apart by
// the file's first bytes). Errors name the file.
func LoadFile(path string, opts Options) (*graphir.Graph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a model file", path)
	}
	var head [len(edgeirMagic)]byte
	if n, _ := f.ReadAt(head[:], 0); n == len(head) && bytes.Equal(head[:], []byte(edgeirMagic)) {
		g, err := ReadEdgeIR(f, opts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return g, nil
	}
	data, release, unmap, err := mapFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer unmap()
	g, err := decodeAndBuild(data, filepath.Dir(path), release, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// Decode imports an ONNX model held in memory. External data are refused,
// since there is no folder to read them from.
func Decode(b []byte, opts Options) (*graphir.Graph, error) {
	return decodeAndBuild(b, "", func([]byte) {}, opts)
}

func decodeAndBuild(b []byte, dir string, release func([]byte), opts Options) (g *graphir.Graph, err error) {
	defer func() {
		// A bad model must never crash the caller; a panic here is a bug in
		// an op's checks, reported as an error naming it.
		if r := recover(); r != nil {
			g, err = nil, fmt.Errorf("internal error while importing (please report): %v", r)
		}
	}()
	d, err := decodeModel(b)
	if err != nil {
		return nil, err
	}
	d.release = release
	g, err = build(d, dir, opts)
	if err != nil {
		return nil, err
	}
	if err := finish(g, opts); err != nil {
		return nil, err
	}
	return g, nil
}

func readAll(f *os.File, size int64) ([]byte, error) {
	b := make([]byte, 0, size)
	buf := bytes.NewBuffer(b)
	_, err := io.Copy(buf, f)
	return buf.Bytes(), err
}
