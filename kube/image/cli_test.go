package image_test

import (
	"bytes"
	"context"
	"debug/elf"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/cli/app"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func edgectl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var o, e bytes.Buffer
	code := app.Run(context.Background(), append([]string{"edgectl"}, args...), &o, &e)
	return code, o.String(), e.String()
}

var digestRE = regexp.MustCompile(`sha256:[0-9a-f]{64}`)

// `edgectl image build` with prebuilt binaries: an OCI layout, the same
// digest twice with SOURCE_DATE_EPOCH, and the flags that shape the image.
func TestCLI_ImageBuild(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	dir := t.TempDir()
	amd := writeFile(t, dir, "amd", fakeELF(elf.EM_X86_64, false, 1))
	arm := writeFile(t, dir, "arm", fakeELF(elf.EM_AARCH64, false, 1))
	args := []string{"image", "build", "--platform", "linux/amd64,linux/arm64",
		"--binary", "linux/amd64=" + amd, "--binary", "linux/arm64=" + arm, "--version", "v9.9.9", "--tag", "localhost/edgectl:cli"}
	var digests []string
	for i := range 2 {
		out := filepath.Join(dir, "layout", string(rune('a'+i)))
		code, stdout, stderr := edgectl(t, append(args, "-o", out)...)
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		for _, want := range []string{"image localhost/edgectl:cli sha256:", "(linux/amd64, linux/arm64), version v9.9.9, created 2023-11-14T22:13:20Z", "wrote " + out + " (oci-layout)"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
		}
		if !strings.Contains(stderr, "linux/arm64: prebuilt binary "+arm) {
			t.Errorf("progress lacks the arm64 binary:\n%s", stderr)
		}
		readLayout(t, out, tag(t, "localhost/edgectl:cli"), mustHash(t, digestRE.FindString(stdout)))
		digests = append(digests, digestRE.FindString(stdout))
	}
	if digests[0] != digests[1] {
		t.Errorf("two builds of the same binaries: %s and %s", digests[0], digests[1])
	}
}

func TestCLI_ImageBuildErrors(t *testing.T) {
	dir := t.TempDir()
	amd := writeFile(t, dir, "amd", fakeELF(elf.EM_X86_64, false, 1))
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"nothing to do", []string{"--binary", "linux/amd64=" + amd}, "nothing to do: give -o FILE.tar|DIR, --push REF or --load"},
		{"bad binary flag", []string{"--binary", amd, "-o", dir}, `--binary "` + amd + `": want PLATFORM=FILE`},
		{"bad format", []string{"--format", "zip", "-o", dir}, `format "zip": want one of`},
		{"bad tag", []string{"--platform", "linux/amd64", "--binary", "linux/amd64=" + amd, "--tag", "Bad Tag", "-o", dir}, `--tag: image reference "Bad Tag"`},
		{"docker archive of two", []string{"--format", "docker-archive", "-o", filepath.Join(dir, "x.tar")}, "a docker archive holds one platform, not 2"},
		{"wrong binary", []string{"--platform", "linux/amd64,linux/arm64", "--binary", "linux/amd64=" + amd, "--binary", "linux/arm64=" + amd,
			"-o", filepath.Join(dir, "x.tar")}, "binary " + amd + " is for EM_X86_64, not linux/arm64 (EM_AARCH64)"},
		{"bad platform", []string{"--platform", "linux/amd64,darwin/arm64", "-o", dir}, `platform "darwin/arm64": only linux images can be built`},
		{"not a module", []string{"--module-dir", dir, "-o", dir}, "module directory: " + dir + " is not inside a Go module"},
		{"arguments", []string{"extra"}, "unexpected arguments [extra]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := edgectl(t, append([]string{"image", "build"}, c.args...)...)
			// Progress lines may come first; the error is the last line.
			last := stderr[strings.LastIndex(strings.TrimSuffix(stderr, "\n"), "\n")+1:]
			if code != 1 || !strings.HasPrefix(last, "edgectl: image build: ") || !strings.Contains(last, c.want) {
				t.Errorf("exit %d, stderr %q, want an error line containing %q (stdout %q)", code, stderr, c.want, stdout)
			}
		})
	}
}

func TestCLI_ImageHelp(t *testing.T) {
	code, stdout, _ := edgectl(t, "image", "build", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"--platform", "--binary PLATFORM=FILE", "--output PATH, -o PATH", "--format FORMAT", "--tag REF", "--push REF", "--load",
		"--module-dir DIR", "worker --listen 0.0.0.0:7070 --data-dir /var/lib/edgectl", "SOURCE_DATE_EPOCH"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("help lacks %q:\n%s", want, stdout)
		}
	}
}

// --push to an in-process registry and --load into a fake podman.
func TestCLI_ImageBuildPushLoad(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	dir := t.TempDir()
	amd := writeFile(t, dir, "amd", fakeELF(elf.EM_X86_64, false, 1))
	loaded := fakeEngines(t, true, false)
	code, stdout, stderr := edgectl(t, "image", "build", "--platform", "linux/amd64", "--binary", "linux/amd64="+amd,
		"--tag", "localhost/edgectl:cli", "--push", host+"/edge/edgectl:cli", "--load")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	d := digestRE.FindString(stdout)
	for _, want := range []string{"pushed " + host + "/edge/edgectl@" + d, "loaded into podman: Loaded image: edgectl:v1"} {
		if d == "" || !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if _, err := os.Stat(loaded); err != nil {
		t.Errorf("podman load got no file: %v", err)
	}
	ref, err := name.ParseReference(host + "/edge/edgectl:cli")
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Index(ref)
	if err != nil || digest(t, idx).String() != d {
		t.Errorf("registry holds %v (%v), want %s", idx, err, d)
	}
}
