package image_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"debug/elf"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/edgectl/edgectl/kube/image"
)

// created is the fixed creation time of the test images.
var created = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fakeELF returns an ELF64 executable header for machine, with a PT_INTERP
// program header when dynamic is set, followed by filler that makes
// binaries of different seeds differ.
func fakeELF(machine elf.Machine, dynamic bool, seed byte) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.Write([]byte{0x7f, 'E', 'L', 'F', byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT), 0})
	b.Write(make([]byte, 8))
	phnum := uint16(0)
	if dynamic {
		phnum = 1
	}
	hdr := struct {
		Type, Machine              uint16
		Version                    uint32
		Entry, Phoff, Shoff        uint64
		Flags                      uint32
		Ehsize, Phentsize, Phnum   uint16
		Shentsize, Shnum, Shstrndx uint16
	}{uint16(elf.ET_EXEC), uint16(machine), 1, 0x401000, 64, 0, 0, 64, 56, phnum, 64, 0, 0}
	binary.Write(&b, le, hdr)
	if dynamic {
		binary.Write(&b, le, elf.Prog64{Type: uint32(elf.PT_INTERP), Off: 120, Filesz: 28, Memsz: 28, Align: 1})
		b.WriteString("/lib64/ld-linux-x86-64.so.2\x00")
	}
	b.Write(bytes.Repeat([]byte{seed}, 4096))
	return b.Bytes()
}

// writeFile writes data to a new file in dir and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// testOptions builds linux/amd64 and linux/arm64 from fake prebuilt
// binaries (no Go toolchain involved).
func testOptions(t *testing.T) image.Options {
	t.Helper()
	dir := t.TempDir()
	return image.Options{
		Platforms: []string{"linux/amd64", "linux/arm64"},
		Binaries: map[string]string{
			"linux/amd64": writeFile(t, dir, "amd64", fakeELF(elf.EM_X86_64, false, 1)),
			"linux/arm64": writeFile(t, dir, "arm64", fakeELF(elf.EM_AARCH64, false, 2)),
		},
		Version: "v1.2.3", Revision: "0123456789abcdef", Created: created,
	}
}

func build(t *testing.T, o image.Options) *image.Result {
	t.Helper()
	res, err := image.Build(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func digest(t *testing.T, d interface{ Digest() (v1.Hash, error) }) v1.Hash {
	t.Helper()
	h, err := d.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// tarFile is one entry of a layer, with its contents.
type tarFile struct {
	hdr  tar.Header
	data []byte
}

// layerFiles reads a layer's entries by path.
func layerFiles(t *testing.T, l v1.Layer) map[string]tarFile {
	t.Helper()
	rc, err := l.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]tarFile{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = tarFile{*h, data}
	}
}

func runtimeArch() string { return goruntime.GOARCH }

func mustHash(t *testing.T, s string) v1.Hash {
	t.Helper()
	h, err := v1.NewHash(s)
	if err != nil {
		t.Fatalf("digest %q: %v", s, err)
	}
	return h
}
