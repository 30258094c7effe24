package bench

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgectl/edgectl/internal/testenv"
	"github.com/edgectl/edgectl/plugins"
)

func TestPlugin_Small(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	res, err := Plugin(context.Background(), filepath.Join(testenv.Plugins(t), "simd.wasm"), PluginOptions{Size: 32, Reps: 1, Threads: 2,
		// A loaded machine may stretch a guarded call past the default
		// deadline; this test is about the report, not the deadline.
		Options: plugins.Options{CallDeadline: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	out := res.Format()
	for _, want := range []string{"conv5_1-3", "plugin speed / native speed", "compile:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, l := range res.Layers {
		if l.MaxRelErr > plugins.Tolerance || l.Guarded == 0 || l.Trusted == 0 || l.Native == 0 {
			t.Errorf("layer %+v", l)
		}
	}
}
