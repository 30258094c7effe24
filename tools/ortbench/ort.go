//go:build ort

package ortbench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/edgectl/edgectl/tools/bench"
)

// LibraryPath is the ONNX Runtime shared library found at build time
// (make bench-deps sets it with -ldflags "-X ...ortbench.LibraryPath=...").
var LibraryPath string

// LibraryEnv names the variable that overrides LibraryPath.
const LibraryEnv = "EDGECTL_ORT_LIB"

func init() { bench.RegisterEngine(engine{}) }

// FindLibrary returns the path of libonnxruntime: $EDGECTL_ORT_LIB,
// LibraryPath, or the npm package under tools/ortbench/.cache/ort relative
// to the executable's bin/ folder.
func FindLibrary() (string, error) {
	if p := os.Getenv(LibraryEnv); p != "" {
		return p, nil
	}
	if LibraryPath != "" {
		if _, err := os.Stat(LibraryPath); err == nil {
			return LibraryPath, nil
		}
	}
	if exe, err := os.Executable(); err == nil {
		arch := map[string]string{"amd64": "x64", "arm64": "arm64"}[goruntime.GOARCH]
		pattern := filepath.Join(filepath.Dir(exe), "..", "tools", "ortbench", ".cache", "ort", "node_modules",
			"onnxruntime-node", "bin", "napi-v*", goruntime.GOOS, arch, "libonnxruntime.so.1")
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			return m[len(m)-1], nil
		}
	}
	return "", errors.New("ONNX Runtime library not found: run `make bench-deps`, or set " + LibraryEnv + " to libonnxruntime.so")
}

var (
	initOnce sync.Once
	initErr  error
)

// Init loads the library and creates ONNX Runtime's environment, once.
func Init() error {
	initOnce.Do(func() {
		path, err := FindLibrary()
		if err != nil {
			initErr = err
			return
		}
		ort.SetSharedLibraryPath(path)
		if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
			initErr = fmt.Errorf("onnx runtime (%s): %w", path, err)
		}
	})
	return initErr
}

type engine struct{}

func (engine) Name() string { return "ort" }

func (engine) Describe(threads int) string {
	v := "(library not loaded)"
	if Init() == nil {
		v = ort.GetVersion()
	}
	return fmt.Sprintf("ONNX Runtime %s via onnxruntime_go, CPU: graph optimisations ORT_ENABLE_ALL, intra-op threads %d, inter-op threads 1, sequential execution", v, threads)
}

// SessionOptions are the options the bench runs ONNX Runtime with: what a
// user would pick for latency on a CPU.
func SessionOptions(threads int) (*ort.SessionOptions, error) {
	o, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	for _, set := range []func() error{
		func() error { return o.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll) },
		func() error { return o.SetIntraOpNumThreads(threads) },
		func() error { return o.SetInterOpNumThreads(1) },
		func() error { return o.SetExecutionMode(ort.ExecutionModeSequential) },
	} {
		if err := set(); err != nil {
			o.Destroy()
			return nil, err
		}
	}
	return o, nil
}

type session struct {
	s       *ort.AdvancedSession
	inputs  []*ort.Tensor[float32]
	outputs []*ort.Tensor[float32]
}

func (engine) Open(m *bench.Model, threads int) (bench.Session, error) {
	if err := Init(); err != nil {
		return nil, err
	}
	opts, err := SessionOptions(threads)
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	s := &session{}
	var inNames, outNames []string
	var ins, outs []ort.Value
	for _, t := range m.Inputs {
		data := append([]float32(nil), t.Data...)
		x, err := ort.NewTensor(shape(t), data)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("input %q: %w", t.Name, err)
		}
		s.inputs = append(s.inputs, x)
		inNames, ins = append(inNames, t.Name), append(ins, x)
	}
	for _, t := range m.Outputs {
		y, err := ort.NewEmptyTensor[float32](shape(t))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("output %q: %w", t.Name, err)
		}
		s.outputs = append(s.outputs, y)
		outNames, outs = append(outNames, t.Name), append(outs, y)
	}
	if m.Path != "" {
		s.s, err = ort.NewAdvancedSession(m.Path, inNames, outNames, ins, outs, opts)
	} else {
		s.s, err = ort.NewAdvancedSessionWithONNXData(m.ONNX, inNames, outNames, ins, outs, opts)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func shape(t bench.Tensor) ort.Shape {
	s := make(ort.Shape, len(t.Shape))
	for i, d := range t.Shape {
		s[i] = int64(d)
	}
	return s
}

func (s *session) Run(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.s.Run()
}

func (s *session) Output(i int) []float32 { return s.outputs[i].GetData() }

func (s *session) Close() error {
	if s.s != nil {
		s.s.Destroy()
		s.s = nil
	}
	for _, t := range s.inputs {
		t.Destroy()
	}
	for _, t := range s.outputs {
		t.Destroy()
	}
	s.inputs, s.outputs = nil, nil
	return nil
}
