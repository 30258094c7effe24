package importer

// hugePage is the size of a transparent huge page (x86-64 and arm64 with
// 4 KB base pages), hugeMin the smallest tensor advised to use them.
const (
	hugePage = 2 << 20
	hugeMin  = 2 * hugePage
)

// hugeRange is the part [lo, hi) of the n bytes at address p that whole
// huge pages cover, as offsets from p (lo == hi: none).
func hugeRange(p uintptr, n int) (lo, hi int) {
	first := (p + hugePage - 1) &^ (hugePage - 1)
	last := (p + uintptr(n)) &^ (hugePage - 1)
	if last <= first {
		return 0, 0
	}
	return int(first - p), int(last - p)
}
