//go:build linux

package importer

import (
	"os"
	"syscall"
	"unsafe"
)

// mapFile maps a file read-only. release gives back the pages of a sub-slice
// already consumed, so a large model is not held in memory twice while its
// weights are converted; unmap ends the mapping.
func mapFile(f *os.File, size int64) (data []byte, release func([]byte), unmap func(), err error) {
	if size == 0 || size != int64(int(size)) {
		b, err := readAll(f, size)
		return b, func([]byte) {}, func() {}, err
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		b, err := readAll(f, size)
		return b, func([]byte) {}, func() {}, err
	}
	page := uintptr(os.Getpagesize())
	base := uintptr(unsafe.Pointer(&data[0]))
	release = func(b []byte) {
		if len(b) == 0 {
			return
		}
		start := uintptr(unsafe.Pointer(&b[0]))
		end := start + uintptr(len(b))
		start = (start + page - 1) &^ (page - 1)
		end &^= page - 1
		if end <= start || start < base {
			return
		}
		_ = syscall.Madvise(data[start-base:end-base], syscall.MADV_DONTNEED)
	}
	return data, release, func() { _ = syscall.Munmap(data) }, nil
}
