package importer

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/tools/zoo"
)

// zooFile writes a zoo model once per test binary run.
func zooFile(b *testing.B, name string) string {
	b.Helper()
	p := filepath.Join(os.TempDir(), "edgectl-bench-"+name+".onnx")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	f, err := os.Create(p + ".tmp")
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 4<<20)
	if err := zoo.Write(w, name, 1); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	if err := os.Rename(p+".tmp", p); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkImportVGG16 imports the zoo's full-size VGG-16 (about 553 MB) and
// reports, besides time, the peak resident memory of a fresh process that
// does only the import, as a ratio to the file size (target: <= 2).
//
//	go test ./importer -run '^$' -bench ImportVGG16 -benchtime 3x
func BenchmarkImportVGG16(b *testing.B) {
	path := zooFile(b, "vgg16")
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	for b.Loop() {
		if _, err := LoadFile(path, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestImportPeakHelper$")
	cmd.Env = append(os.Environ(), "EDGECTL_IMPORT_PEAK="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("peak helper: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "peak-kB "); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			b.ReportMetric(kb*1024/float64(st.Size()), "peakRSS/file")
			b.ReportMetric(kb/1024, "peak-MiB")
		}
	}
}

// TestImportPeakHelper is run by BenchmarkImportVGG16 in a child process:
// it imports one file and prints the process's peak resident set.
func TestImportPeakHelper(t *testing.T) {
	path := os.Getenv("EDGECTL_IMPORT_PEAK")
	if path == "" {
		t.Skip("run by BenchmarkImportVGG16")
	}
	if _, err := LoadFile(path, Options{}); err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc: peak memory not measured")
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Printf("peak-kB %s\n", strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
}
