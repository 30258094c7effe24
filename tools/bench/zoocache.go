package bench

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/edgectl/edgectl/tools/zoo"
)

// ZooSeed is the seed of the weights of zoo models the bench generates.
const ZooSeed = 1

// ZooCacheDir is where zoo models are generated on first use:
// os.UserCacheDir()/edgectl/zoo ($XDG_CACHE_HOME or ~/.cache on Linux).
func ZooCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder for zoo models: %w", err)
	}
	return filepath.Join(dir, "edgectl", "zoo"), nil
}

// ResolveModel turns the bench's MODEL argument into a model file. An
// existing file is itself. Otherwise a zoo name (vgg16, resnet50, ...) is
// dir/NAME.onnx, generated there (seed ZooSeed) when missing, with a line on
// log; dir "" means ZooCacheDir. Anything else is an error listing the zoo
// names.
func ResolveModel(arg, dir string, log io.Writer) (string, error) {
	if st, err := os.Stat(arg); err == nil {
		if st.IsDir() {
			return "", fmt.Errorf("%s: is a directory, not a model file", arg)
		}
		return arg, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if !slices.Contains(zoo.Names(), arg) {
		return "", fmt.Errorf("%s: no such file, and not a zoo model (zoo models: %s)", arg, strings.Join(zoo.Names(), ", "))
	}
	if dir == "" {
		var err error
		if dir, err = ZooCacheDir(); err != nil {
			return "", err
		}
	}
	path := filepath.Join(dir, arg+".onnx")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	start := time.Now()
	fmt.Fprintf(log, "generating zoo model %s (seed %d) into %s (first use)\n", arg, ZooSeed, path)
	// Write beside the target and rename, so that a failure or a concurrent
	// bench never leaves a truncated model in the cache.
	f, err := os.CreateTemp(dir, arg+".*.tmp")
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 4<<20)
	err = zoo.Write(w, arg, ZooSeed)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("zoo %s: %w", arg, err)
	}
	fmt.Fprintf(log, "generated %s in %v\n", path, time.Since(start).Round(time.Millisecond))
	return path, nil
}
