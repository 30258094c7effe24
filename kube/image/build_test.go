package image_test

import (
	"context"
	"debug/elf"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/edgectl/edgectl/kube/image"
)

func TestBuild_Config(t *testing.T) {
	res := build(t, testOptions(t))
	for _, pi := range res.Images {
		cf, err := pi.Image.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		c := cf.Config
		if cf.OS != "linux" || cf.Architecture != pi.Platform.Architecture {
			t.Errorf("%s: config says %s/%s", pi.Platform, cf.OS, cf.Architecture)
		}
		if c.User != "65532:65532" {
			t.Errorf("%s: user %q, want 65532:65532", pi.Platform, c.User)
		}
		if !slices.Equal(c.Entrypoint, []string{"/usr/local/bin/edgectl"}) {
			t.Errorf("%s: entrypoint %q", pi.Platform, c.Entrypoint)
		}
		if want := []string{"worker", "--listen", "0.0.0.0:7070", "--data-dir", "/var/lib/edgectl"}; !slices.Equal(c.Cmd, want) {
			t.Errorf("%s: cmd %q, want %q", pi.Platform, c.Cmd, want)
		}
		if c.WorkingDir != "/var/lib/edgectl" {
			t.Errorf("%s: workdir %q", pi.Platform, c.WorkingDir)
		}
		if !slices.Contains(c.Env, "PATH=/usr/local/bin:/usr/bin:/bin") || !slices.Contains(c.Env, "HOME=/var/lib/edgectl") {
			t.Errorf("%s: env %q lacks PATH or HOME", pi.Platform, c.Env)
		}
		if _, ok := c.ExposedPorts["7070/tcp"]; !ok || len(c.ExposedPorts) != 1 {
			t.Errorf("%s: exposed ports %v, want 7070/tcp", pi.Platform, c.ExposedPorts)
		}
		want := map[string]string{
			"org.opencontainers.image.source":      "https://github.com/edgectl/edgectl",
			"org.opencontainers.image.version":     "v1.2.3",
			"org.opencontainers.image.revision":    "0123456789abcdef",
			"org.opencontainers.image.created":     "2026-01-02T03:04:05Z",
			"org.opencontainers.image.title":       "edgectl",
			"org.opencontainers.image.description": image.Description,
		}
		for k, v := range want {
			if c.Labels[k] != v {
				t.Errorf("%s: label %s = %q, want %q", pi.Platform, k, c.Labels[k], v)
			}
		}
		if !cf.Created.Time.Equal(created) || len(cf.History) != 2 || !cf.History[1].Created.Time.Equal(created) {
			t.Errorf("%s: created %v, history %+v: want every time %v", pi.Platform, cf.Created, cf.History, created)
		}
		m, err := pi.Image.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON || m.Annotations[image.LabelRevision] != "0123456789abcdef" {
			t.Errorf("%s: manifest %s, config %s, annotations %v", pi.Platform, m.MediaType, m.Config.MediaType, m.Annotations)
		}
	}
}

func TestBuild_Layers(t *testing.T) {
	o := testOptions(t)
	res := build(t, o)
	layers, err := res.Images[1].Image.Layers()
	if err != nil || len(layers) != 2 {
		t.Fatalf("layers: %d, %v; want 2", len(layers), err)
	}
	type wantFile struct {
		dir      bool
		mode     int64
		uid, gid int
		contains string
	}
	base := layerFiles(t, layers[0])
	for name, w := range map[string]wantFile{
		"etc/":             {dir: true, mode: 0o755},
		"etc/passwd":       {mode: 0o644, contains: "edgectl:x:65532:65532:edgectl worker:/var/lib/edgectl:/sbin/nologin\n"},
		"etc/group":        {mode: 0o644, contains: "edgectl:x:65532:\n"},
		"tmp/":             {dir: true, mode: 0o1777},
		"usr/local/bin/":   {dir: true, mode: 0o755},
		"var/lib/edgectl/": {dir: true, mode: 0o755, uid: 65532, gid: 65532},
	} {
		f, ok := base[name]
		switch {
		case !ok:
			t.Errorf("base layer lacks %s", name)
		case (f.hdr.Typeflag == '5') != w.dir || f.hdr.Mode != w.mode || f.hdr.Uid != w.uid || f.hdr.Gid != w.gid:
			t.Errorf("%s: type %c mode %o owner %d:%d, want dir %v mode %o owner %d:%d", name, f.hdr.Typeflag, f.hdr.Mode, f.hdr.Uid, f.hdr.Gid, w.dir, w.mode, w.uid, w.gid)
		case !strings.Contains(string(f.data), w.contains):
			t.Errorf("%s = %q, want it to contain %q", name, f.data, w.contains)
		case !f.hdr.ModTime.Equal(created) || f.hdr.Uname != "" || f.hdr.Gname != "":
			t.Errorf("%s: mtime %v, names %q:%q; want %v and no names", name, f.hdr.ModTime, f.hdr.Uname, f.hdr.Gname, created)
		}
	}
	bin := layerFiles(t, layers[1])["usr/local/bin/edgectl"]
	want, _ := os.ReadFile(o.Binaries["linux/arm64"])
	if bin.hdr.Mode != 0o755 || bin.hdr.Uid != 0 || string(bin.data) != string(want) {
		t.Errorf("binary: mode %o uid %d, %d bytes; want 755, root, the %d bytes of the arm64 binary", bin.hdr.Mode, bin.hdr.Uid, len(bin.data), len(want))
	}
}

func TestBuild_Index(t *testing.T) {
	res := build(t, testOptions(t))
	if err := validate.Index(res.Index); err != nil {
		t.Fatal(err)
	}
	if mt, _ := res.Index.MediaType(); mt != types.OCIImageIndex {
		t.Errorf("index media type %s", mt)
	}
	plats, err := image.Platforms(res.Index)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range plats {
		got = append(got, p.String())
	}
	if !slices.Equal(got, []string{"linux/amd64", "linux/arm64"}) {
		t.Errorf("platforms %v", got)
	}
	// The base layer is one blob for every platform.
	l0, _ := res.Images[0].Image.Layers()
	l1, _ := res.Images[1].Image.Layers()
	if digest(t, l0[0]) != digest(t, l1[0]) || digest(t, l0[1]) == digest(t, l1[1]) {
		t.Error("want the same base layer and different binary layers on amd64 and arm64")
	}
}

func TestBuild_Reproducible(t *testing.T) {
	o := testOptions(t)
	a, b := build(t, o), build(t, o)
	if digest(t, a.Index) != digest(t, b.Index) {
		t.Fatalf("the same inputs gave %s and %s", digest(t, a.Index), digest(t, b.Index))
	}
	later := o
	later.Created = created.Add(1e9)
	other := o
	other.Binaries = map[string]string{
		"linux/amd64": o.Binaries["linux/amd64"],
		"linux/arm64": writeFile(t, t.TempDir(), "arm64", fakeELF(elf.EM_AARCH64, false, 3)),
	}
	for name, o2 := range map[string]image.Options{"later": later, "other binary": other} {
		if digest(t, build(t, o2).Index) == digest(t, a.Index) {
			t.Errorf("%s: same digest as the original", name)
		}
	}
	// Only the changed platform's image changes.
	if digest(t, build(t, other).Images[0].Image) != digest(t, a.Images[0].Image) {
		t.Error("changing the arm64 binary changed the amd64 image")
	}
}

func TestBuild_Errors(t *testing.T) {
	dir := t.TempDir()
	amd := writeFile(t, dir, "amd", fakeELF(elf.EM_X86_64, false, 1))
	arm := writeFile(t, dir, "arm", fakeELF(elf.EM_AARCH64, false, 1))
	dyn := writeFile(t, dir, "dyn", fakeELF(elf.EM_X86_64, true, 1))
	txt := writeFile(t, dir, "txt", []byte("#!/bin/sh\n"))
	for _, c := range []struct {
		name      string
		platforms []string
		binaries  map[string]string
		want      string
	}{
		{"windows", []string{"windows/amd64"}, nil, `platform "windows/amd64": only linux`},
		{"no arch", []string{"linux"}, nil, `platform "linux": want os/arch`},
		{"twice", []string{"linux/amd64", "linux/amd64"}, nil, "given twice"},
		{"stray binary", []string{"linux/amd64"}, map[string]string{"linux/amd64": amd, "linux/arm64": arm}, "linux/arm64 is not among the platforms"},
		{"wrong arch", []string{"linux/arm64"}, map[string]string{"linux/arm64": amd}, "is for EM_X86_64, not linux/arm64"},
		{"dynamic", []string{"linux/amd64"}, map[string]string{"linux/amd64": dyn}, "dynamically linked"},
		{"not elf", []string{"linux/amd64"}, map[string]string{"linux/amd64": txt}, "not an ELF executable"},
		{"missing", []string{"linux/amd64"}, map[string]string{"linux/amd64": filepath.Join(dir, "nope")}, "platform linux/amd64: open"},
		{"no source", []string{"linux/amd64"}, nil, "no prebuilt binary and no module directory"},
		{"arm64 variant", []string{"linux/arm64/v9"}, nil, `arm64 variant "v9"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := image.Options{Platforms: c.platforms, Binaries: c.binaries, Created: created}
			if c.name == "arm64 variant" {
				o.ModuleDir = dir
			}
			_, err := image.Build(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestResult_HostImage(t *testing.T) {
	res := build(t, testOptions(t))
	pi, err := res.HostImage()
	if err != nil {
		t.Skipf("no image for this machine's architecture: %v", err)
	}
	if pi.Platform.Architecture != runtimeArch() {
		t.Errorf("host image is %s", pi.Platform)
	}
}
