package importer

import (
	"strings"
	"testing"

	"github.com/edgectl/edgectl/graphir"
)

// TestHugeRange: only whole 2 MB pages inside the buffer are advised.
func TestHugeRange(t *testing.T) {
	const mb = 1 << 20
	for _, tc := range []struct {
		p        uintptr
		n        int
		wlo, whi int
	}{
		{0, 4 * mb, 0, 4 * mb},                 // aligned, two pages
		{1 * mb, 4 * mb, 1 * mb, 3 * mb},       // starts mid-page: one whole page
		{2*mb + 8, 4 * mb, 2*mb - 8, 4*mb - 8}, // one page, ends short of the second
		{1 * mb, 2 * mb, 0, 0},                 // straddles a boundary: no whole page
		{4 * mb, 2*mb - 1, 0, 0},               // one byte short of a page
	} {
		lo, hi := hugeRange(tc.p, tc.n)
		if lo != tc.wlo || hi != tc.whi {
			t.Errorf("hugeRange(%#x, %d) = [%d, %d); want [%d, %d)", tc.p, tc.n, lo, hi, tc.wlo, tc.whi)
		}
		if lo < hi && ((tc.p+uintptr(lo))%hugePage != 0 || (tc.p+uintptr(hi))%hugePage != 0 || lo < 0 || hi > tc.n) {
			t.Errorf("hugeRange(%#x, %d) = [%d, %d): not whole pages inside the buffer", tc.p, tc.n, lo, hi)
		}
	}
}

// TestReadEdgeIR_HugePagesSameData: asking for huge pages (a 9 MB
// weight, past hugeMin) changes nothing read: the outputs are equal.
func TestReadEdgeIR_HugePagesSameData(t *testing.T) {
	b := newMB(13)
	b.input("x", 1, 1536)
	b.weight("w", -0.1, 0.1, 1536, 1536)
	b.node("MatMul", []string{"x", "w"}, []string{"y"})
	b.output("y")
	g, err := Decode(b.bytes(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	if err := WriteEdgeIR(&buf, g); err != nil {
		t.Fatal(err)
	}
	in := map[string]*graphir.Tensor{"x": randInput(graphir.Shape{1, 1536})}
	want := runGraph(t, g, in)["y"]
	for _, huge := range []bool{false, true} {
		g2, err := ReadEdgeIR(strings.NewReader(buf.String()), Options{HugePages: huge})
		if err != nil {
			t.Fatal(err)
		}
		got := runGraph(t, g2, in)["y"]
		for i := range want.F {
			if got.F[i] != want.F[i] {
				t.Fatalf("HugePages %v: y[%d] = %v, want %v", huge, i, got.F[i], want.F[i])
			}
		}
	}
}
