package image_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/edgectl/edgectl/kube/image"
)

func TestSource_Stamped(t *testing.T) {
	commit := time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC)
	t.Setenv("SOURCE_DATE_EPOCH", "")
	s, err := image.Source{Dir: "/src", Version: "v1.0.0", Time: commit}.Stamped()
	if err != nil || !s.Time.Equal(commit) || s.Version != "v1.0.0" {
		t.Errorf("without SOURCE_DATE_EPOCH: %+v, %v; want the commit time", s, err)
	}
	s, err = image.Source{Dir: "/src"}.Stamped()
	if err != nil || s.Version != "dev" || !s.Time.Equal(time.Unix(0, 0)) {
		t.Errorf("no git: %+v, %v; want version dev at 1970-01-01 (never now)", s, err)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	s, err = image.Source{Dir: "/src", Time: commit}.Stamped()
	if err != nil || s.Time.Unix() != 1700000000 {
		t.Errorf("SOURCE_DATE_EPOCH: %+v, %v", s, err)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "yesterday")
	if _, err = (image.Source{}).Stamped(); err == nil || !strings.Contains(err.Error(), `SOURCE_DATE_EPOCH="yesterday"`) {
		t.Errorf("bad SOURCE_DATE_EPOCH: %v", err)
	}
}

func TestCheckoutSource(t *testing.T) {
	s := image.CheckoutSource(context.Background(), "../..")
	if s.Version == "" || len(s.Revision) != 40 || s.Time.IsZero() {
		t.Skipf("no git history here (%+v)", s) // e.g. a source tarball
	}
	// git describe: a tag (v...) or the abbreviated commit.
	if short := strings.TrimSuffix(s.Version, "-dirty"); !strings.HasPrefix(s.Revision, short) && !strings.HasPrefix(short, "v") {
		t.Errorf("version %q does not describe revision %s", s.Version, s.Revision)
	}
	if s := image.CheckoutSource(context.Background(), t.TempDir()); s.Version != "" || s.Revision != "" || !s.Time.IsZero() {
		t.Errorf("outside a repository: %+v, want only Dir", s)
	}
}

func TestReleaseSource_NotARelease(t *testing.T) {
	for _, v := range []string{"(devel)", "dev", "v1.2.3+dirty", ""} {
		if _, err := image.ReleaseSource(context.Background(), "", v); err == nil || !strings.Contains(err.Error(), "is not a release version") {
			t.Errorf("%q: %v", v, err)
		}
	}
}

func TestTagFor(t *testing.T) {
	for in, want := range map[string]string{
		"v1.2.3":                 "v1.2.3",
		"9241f8f-dirty":          "9241f8f-dirty",
		"v0.0.0-2026+dirty":      "v0.0.0-2026-dirty",
		"(devel)":                "devel-",
		"":                       "dev",
		strings.Repeat("a", 200): strings.Repeat("a", 128),
		"-x":                     "x",
	} {
		if got := image.TagFor(in); got != want {
			t.Errorf("TagFor(%q) = %q, want %q", in, got, want)
		}
	}
}
