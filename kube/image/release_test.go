package image_test

import (
	"archive/zip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgectl/edgectl/kube/image"
)

// A released edgectl builds its image from its own version's source,
// fetched by `go mod download`: here from a module proxy in a directory
// (GOPROXY=file://...) holding a tiny edgectl v0.0.1, into a temporary
// module cache.
func TestReleaseSource(t *testing.T) {
	const version = "v0.0.1"
	proxy := t.TempDir()
	dir := filepath.Join(proxy, "github.com", "edgectl", "edgectl", "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	gomod := "module github.com/edgectl/edgectl\n\ngo 1.26\n"
	main, err := os.ReadFile(filepath.Join("testdata", "hello", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "list", []byte(version+"\n"))
	writeFile(t, dir, version+".info", []byte(`{"Version":"`+version+`","Time":"2025-03-04T05:06:07Z"}`))
	writeFile(t, dir, version+".mod", []byte(gomod))
	writeZip(t, filepath.Join(dir, version+".zip"), map[string]string{
		"github.com/edgectl/edgectl@" + version + "/go.mod":              gomod,
		"github.com/edgectl/edgectl@" + version + "/cli/edgectl/main.go": string(main),
	})
	t.Setenv("GOPROXY", "file://"+filepath.ToSlash(proxy))
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv("GOSUMDB", "off")
	t.Setenv("GOFLAGS", "-modcacherw") // so that the temporary cache can be removed

	src, err := image.ReleaseSource(context.Background(), "", version)
	if err != nil {
		t.Fatal(err)
	}
	if src.Version != version || !src.Time.Equal(time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)) || !strings.HasPrefix(src.Dir, os.Getenv("GOMODCACHE")) {
		t.Errorf("source %+v", src)
	}
	res := build(t, image.Options{Platforms: []string{"linux/arm64"}, ModuleDir: src.Dir, Version: src.Version, Created: src.Time})
	layers, err := res.Images[0].Image.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if bin := layerFiles(t, layers[1])["usr/local/bin/edgectl"].data; len(bin) < 4 || string(bin[1:4]) != "ELF" {
		t.Errorf("the release's binary is not in the image (%d bytes)", len(bin))
	}
	if _, err := image.ReleaseSource(context.Background(), "", "v9.9.9"); err == nil || !strings.Contains(err.Error(), "go mod download github.com/edgectl/edgectl@v9.9.9") {
		t.Errorf("unknown version: %v", err)
	}
}

func writeZip(t *testing.T, path string, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(data))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
