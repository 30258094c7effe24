//go:build !linux

package importer

import "os"

func mapFile(f *os.File, size int64) (data []byte, release func([]byte), unmap func(), err error) {
	b, err := readAll(f, size)
	return b, func([]byte) {}, func() {}, err
}
