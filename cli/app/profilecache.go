package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime/profile"
)

// localProfilePath is where this machine's profile with threads threads
// is cached: the user cache folder's edgectl/profile-HASH.yaml, HASH of the
// CPU model, architecture, kernel tier, threads, the cost model's kinds and
// the build of edgectl (buildKey: another build's kernels may differ).
func localProfilePath(threads int) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder for this machine's profile: %w", err)
	}
	var kinds []string
	for _, k := range costmodel.Kinds() {
		kinds = append(kinds, string(k))
	}
	key := strings.Join([]string{costmodel.ModelVersion, profile.Host(), goruntime.GOARCH, profile.Tier(),
		fmt.Sprint(threads), strings.Join(kinds, ","), buildKey()}, "\n")
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(dir, "edgectl", "profile-"+hex.EncodeToString(sum[:8])+".yaml"), nil
}

// buildKey names this build of edgectl: its version (make build sets it
// from git describe) and the VCS revision Go stamped, if any. A variable
// for tests.
var buildKey = func() string { return Version + " " + profile.Build() }

// localProfile returns this machine's latency profile with threads
// intra-op threads (0: all cores): $EDGECTL_PROFILE when set (a profile
// file, used whatever its threads), else the cached one, or one measured
// now (about two minutes, a progress bar on stderr) and cached. A cached file
// that does not decode is measured again.
func localProfile(ctx context.Context, threads int, stderr io.Writer) (*costmodel.Profile, error) {
	return machineProfile(ctx, threads, stderr, true)
}

// errNoProfile says that this machine's profile was not measured yet.
var errNoProfile = errors.New("this machine's latency profile is not measured yet (edgectl profile measures it)")

// cachedProfile is localProfile without measuring: errNoProfile when
// there is none yet.
func cachedProfile(ctx context.Context, threads int, stderr io.Writer) (*costmodel.Profile, error) {
	return machineProfile(ctx, threads, stderr, false)
}

func machineProfile(ctx context.Context, threads int, stderr io.Writer, measure bool) (*costmodel.Profile, error) {
	if threads <= 0 {
		threads = goruntime.GOMAXPROCS(0)
	}
	if path := os.Getenv("EDGECTL_PROFILE"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("$EDGECTL_PROFILE: %w", err)
		}
		return costmodel.DecodeProfile(path, data)
	}
	path, err := localProfilePath(threads)
	if err != nil {
		return nil, err
	}
	if data, err := os.ReadFile(path); err == nil {
		if p, err := costmodel.DecodeProfile(path, data); err == nil && p.Threads == threads {
			return p, nil
		}
	}
	if !measure {
		return nil, errNoProfile
	}
	fmt.Fprintf(stderr, "measuring this machine's latency profile with %d threads (about two minutes; cached in %s)\n", threads, path)
	bar := newProgress(stderr, "profile")
	start := time.Now()
	p, err := profile.Measure(ctx, profile.Options{Threads: threads, Progress: bar.Report})
	bar.Done()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "measured in %v\n", time.Since(start).Round(time.Second))
	return p, saveProfile(path, p)
}

// saveProfile writes p to path through a temporary file beside it, so
// that a reader never sees half a profile.
func saveProfile(path string, p *costmodel.Profile) error {
	data, err := p.Encode()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write profile %s: %w", path, err)
	}
	return nil
}
