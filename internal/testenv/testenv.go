// Package testenv finds what tests need from outside their package — the
// shared folder of models and conformance cases, tools on the PATH, the
// built WebAssembly plugins, CPU features — with one policy: under CI
// (CI=true) anything missing fails the test; elsewhere the test is skipped
// with a message that says what to install or where to put it.
//
// Only tests import it. It imports nothing of ours.
package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// CI reports whether the tests run under CI (CI=true), where nothing may be
// skipped for a missing file, tool or CPU feature.
func CI() bool { return os.Getenv("CI") == "true" }

// Missing fails the test under CI and skips it elsewhere; the message says
// what is missing and how to get it.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if CI() {
		t.Fatalf("CI=true, so this fails instead of skipping: "+format, args...)
	}
	t.Skipf(format, args...)
}

const module = "module github.com/edgectl/edgectl\n"

var (
	rootOnce sync.Once
	root     string
)

// Root returns the repository's root folder (where edgectl's go.mod is),
// found from the working directory upwards.
func Root(t testing.TB) string {
	t.Helper()
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			return
		}
		for {
			if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(b, []byte(module)) {
				root = dir
				return
			}
			up := filepath.Dir(dir)
			if up == dir {
				return
			}
			dir = up
		}
	})
	if root == "" {
		t.Fatal("testenv: not inside the edgectl repository (no go.mod of github.com/edgectl/edgectl above the working directory)")
	}
	return root
}

// Shared returns the shared folder: $EDGECTL_SHARED, else ../shared beside
// the repository. Missing (a failure under CI) when it is not a folder.
func Shared(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("EDGECTL_SHARED")
	if dir == "" {
		dir = filepath.Join(filepath.Dir(Root(t)), "shared")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		Missing(t, "shared folder not found at %s: put it beside the repository as ../shared or set EDGECTL_SHARED", dir)
	}
	return dir
}

// SharedPath returns a file or folder inside the shared folder, which must
// exist (Missing otherwise).
func SharedPath(t testing.TB, elem ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{Shared(t)}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		Missing(t, "%s not found in the shared folder (EDGECTL_SHARED or ../shared): %v", filepath.Join(elem...), err)
	}
	return p
}

// Tool returns the path of a command on the PATH; Missing, with install
// saying how to get it, when there is none.
func Tool(t testing.TB, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s not found on the PATH: %s", name, install)
	}
	return p
}

var (
	pluginsOnce sync.Once
	pluginsErr  string
)

// Plugins builds the example and hostile WebAssembly plugins with
// `make -f mk/plugins.mk plugins-build` (make rebuilds what is older than
// its sources) once per test binary, and returns the folder they are in.
// Without make, clang or wasm-ld it is Missing: `make plugins` installs
// them.
func Plugins(t testing.TB) string {
	t.Helper()
	r := Root(t)
	for _, tool := range []string{"make", "clang", "wasm-ld", "go"} {
		Tool(t, tool, "`make plugins` installs clang and lld (Debian packages)")
	}
	pluginsOnce.Do(func() {
		if err := os.MkdirAll(filepath.Join(r, "plugins", "build"), 0o755); err != nil {
			pluginsErr = err.Error()
			return
		}
		unlock, err := lockFile(filepath.Join(r, "plugins", "build", ".lock"))
		if err != nil {
			pluginsErr = err.Error()
			return
		}
		defer unlock()
		cmd := exec.Command("make", "-s", "--no-print-directory", "-f", "mk/plugins.mk", "plugins-build")
		cmd.Dir = r
		if out, err := cmd.CombinedOutput(); err != nil {
			pluginsErr = err.Error() + "\n" + string(out)
		}
	})
	if pluginsErr != "" {
		t.Fatalf("make plugins-build: %s", pluginsErr)
	}
	return filepath.Join(r, "plugins", "build")
}
