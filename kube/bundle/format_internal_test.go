package bundle

import (
	"strings"
	"testing"
)

// TestMeta_Versions: bundles of v1alpha1 (no per-device blobs) still
// open; a version this edgectl does not know is refused by name, as an
// older edgectl refuses v1alpha2's per-device blobs instead of reading
// them as whole constants.
func TestMeta_Versions(t *testing.T) {
	files := []File{{Path: PlanPath}, {Path: ClusterPath}, {Path: GraphPath}, {Path: CommonWeights}}
	for _, c := range []struct {
		version string
		want    string // "" accepted, else in the error
	}{
		{APIVersion, ""},
		{APIVersionV1, ""},
		{"edgectl.dev/v1alpha3", `apiVersion "edgectl.dev/v1alpha3"`},
		{"", `apiVersion ""`},
	} {
		m := &Meta{APIVersion: c.version, Kind: Kind, Files: files}
		err := m.check()
		switch {
		case c.want == "" && err != nil && strings.Contains(err.Error(), "apiVersion"):
			t.Errorf("%q: %v", c.version, err) // (the rest of this empty meta is refused further on)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%q: error %v, want one naming %s", c.version, err, c.want)
		}
	}
}
