package image

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ModulePath is edgectl's Go module.
const ModulePath = "github.com/edgectl/edgectl"

// DefaultMain is the package compiled into the image, relative to the
// module root.
const DefaultMain = "./cli/edgectl"

// FindModule returns the root of the edgectl module that dir is in: dir or
// the nearest parent holding a go.mod, which must declare ModulePath.
func FindModule(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			if mod := modulePath(data); mod != ModulePath {
				return "", fmt.Errorf("%s is in module %q, not %s", dir, mod, ModulePath)
			}
			return d, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%s is not inside a Go module (no go.mod in it or its parents)", dir)
		}
	}
}

// modulePath reads the module directive of a go.mod file.
func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module"); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// Source is a copy of the edgectl source and what the image's labels say
// about it.
type Source struct {
	Dir      string // module root
	Version  string // e.g. v0.3.0, or 9241f8f-dirty for a checkout
	Revision string // commit hash, when known
	Time     time.Time
}

// CheckoutSource describes the module at dir: with git, the version is
// `git describe --tags --always --dirty`, the revision the HEAD commit and
// the time the commit's time; without git (or outside a repository) only
// Dir is set.
func CheckoutSource(ctx context.Context, dir string) Source {
	s := Source{Dir: dir}
	git := func(args ...string) string {
		out, err := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...).Output()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(out))
	}
	s.Version = git("describe", "--tags", "--always", "--dirty")
	s.Revision = git("rev-parse", "HEAD")
	if sec, err := strconv.ParseInt(git("log", "-1", "--format=%ct"), 10, 64); err == nil {
		s.Time = time.Unix(sec, 0).UTC()
	}
	return s
}

// ReleaseSource fetches a released version of the edgectl module (from
// the module proxy, into the module cache) with `go mod download`, for a
// binary installed with `go install ...@VERSION` that builds its own image.
func ReleaseSource(ctx context.Context, goCmd, version string) (Source, error) {
	if !releaseVersion.MatchString(version) {
		return Source{}, fmt.Errorf("edgectl version %q is not a release version", version)
	}
	if goCmd == "" {
		var err error
		if goCmd, err = FindGo(); err != nil {
			return Source{}, err
		}
	}
	cmd := exec.CommandContext(ctx, goCmd, "mod", "download", "-json", ModulePath+"@"+version)
	cmd.Dir = os.TempDir() // outside any module
	out, err := cmd.Output()
	var info struct{ Dir, Version, Info, Error string }
	if jerr := json.Unmarshal(out, &info); jerr == nil && info.Error != "" {
		return Source{}, fmt.Errorf("go mod download %s@%s: %s", ModulePath, version, info.Error)
	}
	if err != nil {
		return Source{}, fmt.Errorf("go mod download %s@%s: %w", ModulePath, version, cmdErr(err))
	}
	if info.Dir == "" {
		return Source{}, fmt.Errorf("go mod download %s@%s: no module directory in its answer", ModulePath, version)
	}
	s := Source{Dir: info.Dir, Version: info.Version}
	// The version's time (from the proxy's .info file) stamps the image.
	if data, err := os.ReadFile(info.Info); err == nil {
		var vi struct{ Time time.Time }
		if json.Unmarshal(data, &vi) == nil {
			s.Time = vi.Time.UTC()
		}
	}
	return s, nil
}

// SourceDateEpoch reads $SOURCE_DATE_EPOCH (reproducible-builds.org):
// ok is false when it is unset.
func SourceDateEpoch() (t time.Time, ok bool, err error) {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Time{}, false, nil
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, false, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970 (a non-negative integer)", v)
	}
	return time.Unix(sec, 0).UTC(), true, nil
}

// releaseVersion matches module versions that the module proxy can serve:
// semantic versions and pseudo-versions, without "+dirty" or "+incompatible".
var releaseVersion = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)

var badTagChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// TagFor turns a version into a valid image tag (at most 128 of
// [A-Za-z0-9_.-], not starting with '.' or '-').
func TagFor(version string) string {
	t := strings.TrimLeft(badTagChars.ReplaceAllString(version, "-"), ".-")
	if t == "" {
		return "dev"
	}
	return t[:min(len(t), 128)]
}
