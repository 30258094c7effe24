package testbed

import (
	"regexp"
	"testing"
)

// The in-place profiles are cached per build the devices run: two images
// (or a local binary) never share one, so a rebuilt image's kernels are
// measured again.
func TestBuildTag(t *testing.T) {
	a := &Testbed{st: &State{Mode: "containers", ImageID: "sha256:0123456789abcdef0123"}}
	b := &Testbed{st: &State{Mode: "containers", ImageID: "sha256:fedcba9876543210fedc"}}
	if got := a.buildTag(); got != "build0123456789ab" {
		t.Errorf("containers: buildTag = %q, want build0123456789ab", got)
	}
	if a.buildTag() == b.buildTag() {
		t.Errorf("two images share the tag %q", a.buildTag())
	}
	local := &Testbed{st: &State{Mode: "local", ImageID: "sha256:0123456789abcdef0123"}}
	if got := local.buildTag(); !regexp.MustCompile(`^build[0-9a-f]{12}$`).MatchString(got) || got == a.buildTag() {
		t.Errorf("local: buildTag = %q, want the executable's digest", got)
	}
}
