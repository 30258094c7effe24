package image

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"time"
)

// FindSource finds the edgectl source to compile, in this order:
//  1. moduleDir, when given (it must be in the edgectl module);
//  2. the edgectl module the current directory is in (a checkout);
//  3. the release this binary was built from, when it is one (installed
//     with `go install github.com/edgectl/edgectl/cli/edgectl@VERSION`):
//     that version of the module, fetched by `go mod download` with goCmd.
//
// A binary does not reliably record the checkout it was built from
// (-trimpath drops it, and trees move), so outside a checkout a binary
// built from one needs moduleDir.
func FindSource(ctx context.Context, moduleDir, goCmd string) (Source, error) {
	if moduleDir != "" {
		root, err := FindModule(moduleDir)
		if err != nil {
			return Source{}, fmt.Errorf("module directory: %w", err)
		}
		return CheckoutSource(ctx, root), nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return Source{}, err
	}
	root, cwdErr := FindModule(wd)
	if cwdErr == nil {
		return CheckoutSource(ctx, root), nil
	}
	version := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path == ModulePath {
		version = bi.Main.Version
		if releaseVersion.MatchString(version) {
			return ReleaseSource(ctx, goCmd, version)
		}
	}
	return Source{}, fmt.Errorf("%w: %v, and this edgectl (version %s) is not a release the module proxy serves; "+
		"run it inside an edgectl checkout, name the checkout, or give a prebuilt binary for every platform", ErrNoSource, cwdErr, version)
}

// ErrNoSource is returned (wrapped) when no edgectl source to compile is
// found.
var ErrNoSource = errors.New("cannot find the edgectl source to compile")

// Stamped fills what the labels need and s lacks: the version ("dev"),
// the revision (this binary's vcs.revision, when it has one and s has no
// directory) and the time. The time is $SOURCE_DATE_EPOCH when set, else
// the source's commit time, else this binary's vcs.time, else 1970-01-01:
// never the current time, so that the same source gives the same image.
func (s Source) Stamped() (Source, error) {
	var vcsTime time.Time
	var vcsRev string
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path == ModulePath {
		for _, kv := range bi.Settings {
			switch kv.Key {
			case "vcs.revision":
				vcsRev = kv.Value
			case "vcs.time":
				vcsTime, _ = time.Parse(time.RFC3339, kv.Value)
			}
		}
	}
	if s.Version == "" {
		s.Version = "dev"
	}
	if s.Revision == "" && s.Dir == "" {
		s.Revision = vcsRev
	}
	epoch, ok, err := SourceDateEpoch()
	switch {
	case err != nil:
		return s, err
	case ok:
		s.Time = epoch
	case s.Time.IsZero() && !vcsTime.IsZero():
		s.Time = vcsTime
	case s.Time.IsZero():
		s.Time = time.Unix(0, 0)
	}
	s.Time = s.Time.UTC()
	return s, nil
}
