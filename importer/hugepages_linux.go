package importer

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// adviseHugePages asks for transparent huge pages for the whole huge
// pages inside b (MADV_HUGEPAGE; honoured when the system's THP mode is
// madvise or always, ignored otherwise).
func adviseHugePages(b []byte) {
	lo, hi := hugeRange(uintptr(unsafe.Pointer(unsafe.SliceData(b))), len(b))
	if lo < hi {
		_ = unix.Madvise(b[lo:hi], unix.MADV_HUGEPAGE)
	}
}
