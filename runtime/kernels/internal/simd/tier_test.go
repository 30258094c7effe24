package simd

import (
	"os"
	"strings"
	"testing"
)

// TestAsm_BestTierSelected checks that the tier Asm selects is the best
// the CPU supports (by wantTiers, computed from golang.org/x/sys/cpu apart
// from the selection code), capped by EDGECTL_KERNELS when it is set: a
// detection bug must not silently leave only a lower tier, or the Go one,
// running and tested.
func TestAsm_BestTierSelected(t *testing.T) {
	want := wantTiers()
	var got []string
	for _, o := range Available() {
		got = append(got, o.Name)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("available tiers %q, want %q from the CPU's features", got, want)
	}
	if len(want) == 0 {
		missingAsm(t)
	}
	sel := "go"
	if a := Asm(); a != nil {
		sel = a.Name
	}
	env := strings.ToLower(strings.TrimSpace(os.Getenv(EnvTier)))
	exp := want[0]
	if env == "go" {
		exp = "go"
	} else if i := index(asmTierNames, env); i >= 0 {
		exp = "go"
		for _, w := range want {
			if index(asmTierNames, w) >= i {
				exp = w
				break
			}
		}
	}
	if sel != exp {
		t.Fatalf("selected tier %q, want %q (CPU has %q, %s=%q)", sel, exp, want, EnvTier, env)
	}
}

func index(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

// TestChoose covers the EDGECTL_KERNELS cases: unset or "best" style
// defaults, a cap, a cap above the CPU, "go", and an unknown value (the
// best tier, with an error naming the accepted values).
func TestChoose(t *testing.T) {
	hi, lo := &Ops{Name: "hi"}, &Ops{Name: "lo"}
	names := []string{"hi", "lo"}
	for _, c := range []struct {
		env   string
		avail []*Ops
		want  *Ops
		err   bool
	}{
		{"", []*Ops{hi, lo}, hi, false},
		{"lo", []*Ops{hi, lo}, lo, false},
		{" LO ", []*Ops{hi, lo}, lo, false},
		{"hi", []*Ops{lo}, lo, false},
		{"go", []*Ops{hi, lo}, nil, false},
		{"lo", nil, nil, false},
		{"", nil, nil, false},
		{"sse9", []*Ops{hi, lo}, hi, true},
		{"sse9", nil, nil, true},
	} {
		got, err := choose(c.env, names, c.avail)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("choose(%q, %d available) = %v, %v", c.env, len(c.avail), got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "hi, lo, go") {
			t.Errorf("error %q does not name the accepted values", err)
		}
	}
}
