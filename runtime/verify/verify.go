// Package verify checks a model against reference outputs stored in the ONNX
// model-zoo layout: DIR/model.onnx and DIR/test_data_set_N/{input,output}_K.pb.
package verify

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/importer"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/kernelapi"
)

// Tolerance is the relative bound: max|ours-ref| <= Tolerance*max(1, max|ref|).
const Tolerance = 1e-4

// Output is the comparison of one output tensor.
type Output struct {
	Name   string
	Shape  graphir.Shape
	MaxAbs float64 // max |ours - ref|
	MaxRel float64 // MaxAbs / max(1, max|ref|), compared with Tolerance
	OK     bool
	Err    string // set when the output could not be compared (shape, type)
}

// Set is the result of one test_data_set_N folder.
type Set struct {
	Dir     string
	Outputs []Output
	Elapsed time.Duration
}

// Result is the verdict for one model folder.
type Result struct {
	Dir    string
	Import time.Duration
	Sets   []Set
}

// OK reports whether every output of every set matched.
func (r *Result) OK() bool {
	if len(r.Sets) == 0 {
		return false
	}
	for _, s := range r.Sets {
		for _, o := range s.Outputs {
			if !o.OK {
				return false
			}
		}
	}
	return true
}

// Runner runs a graph on one set of inputs. The default runs the graph on
// this process's executor; distributed runs plug in here.
type Runner func(ctx context.Context, g *graphir.Graph, inputs map[string]*graphir.Tensor) (map[string]*graphir.Tensor, error)

// Local runs g with the single-device executor.
func Local(ctx context.Context, g *graphir.Graph, inputs map[string]*graphir.Tensor) (map[string]*graphir.Tensor, error) {
	e, err := runtime.New(g)
	if err != nil {
		return nil, err
	}
	return e.Run(ctx, inputs)
}

// WithKernels returns a Runner that runs g with the single-device executor
// and extra implementations (a kernel plugin's, plugins.Impls) considered
// with the registered ones.
func WithKernels(extra map[graphir.Op][]kernelapi.Impl) Runner {
	return func(ctx context.Context, g *graphir.Graph, inputs map[string]*graphir.Tensor) (map[string]*graphir.Tensor, error) {
		e, err := runtime.NewWithOptions(g, runtime.Options{Extra: extra})
		if err != nil {
			return nil, err
		}
		return e.Run(ctx, inputs)
	}
}

// Dir verifies the model in dir against every test_data_set_N in it.
func Dir(ctx context.Context, dir string, run Runner) (*Result, error) {
	if run == nil {
		run = Local
	}
	res := &Result{Dir: dir}
	if st, err := os.Stat(filepath.Join(dir, "model.onnx")); err != nil || st.IsDir() {
		return nil, fmt.Errorf("%s: not a model folder (want %s/model.onnx and test_data_set_N/ folders)", dir, dir)
	}
	start := time.Now()
	g, err := importer.LoadFile(filepath.Join(dir, "model.onnx"), importer.Options{})
	if err != nil {
		return nil, err
	}
	res.Import = time.Since(start)
	sets, err := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
	if err != nil {
		return nil, err
	}
	sort.Strings(sets)
	if len(sets) == 0 {
		return nil, fmt.Errorf("%s: no test_data_set_N folders", dir)
	}
	for _, sd := range sets {
		s, err := runSet(ctx, g, sd, run)
		if err != nil {
			return nil, err
		}
		res.Sets = append(res.Sets, *s)
	}
	return res, nil
}

// LoadSet reads input_K.pb (bound to graph inputs by name, else by order)
// and output_K.pb of one test data folder.
func LoadSet(g *graphir.Graph, dir string) (map[string]*graphir.Tensor, []*graphir.Tensor, error) {
	inputs := map[string]*graphir.Tensor{}
	for k := 0; ; k++ {
		p := filepath.Join(dir, fmt.Sprintf("input_%d.pb", k))
		if _, err := os.Stat(p); err != nil {
			break
		}
		t, name, err := importer.ReadTensorFile(p)
		if err != nil {
			return nil, nil, err
		}
		if !hasInput(g, name) {
			if k >= len(g.Inputs) {
				return nil, nil, fmt.Errorf("%s: model has only %d inputs", p, len(g.Inputs))
			}
			name = g.Inputs[k].Name
		}
		inputs[name] = t
	}
	outs, err := LoadOutputs(dir)
	if err != nil {
		return nil, nil, err
	}
	return inputs, outs, nil
}

// LoadOutputs reads the reference outputs output_K.pb of a test data folder.
func LoadOutputs(dir string) ([]*graphir.Tensor, error) {
	var outs []*graphir.Tensor
	for k := 0; ; k++ {
		p := filepath.Join(dir, fmt.Sprintf("output_%d.pb", k))
		if _, err := os.Stat(p); err != nil {
			break
		}
		t, _, err := importer.ReadTensorFile(p)
		if err != nil {
			return nil, err
		}
		outs = append(outs, t)
	}
	return outs, nil
}

func hasInput(g *graphir.Graph, name string) bool {
	for _, v := range g.Inputs {
		if v.Name == name && name != "" {
			return true
		}
	}
	return false
}

func runSet(ctx context.Context, g *graphir.Graph, dir string, run Runner) (*Set, error) {
	inputs, want, err := LoadSet(g, dir)
	if err != nil {
		return nil, err
	}
	if len(want) != len(g.Outputs) {
		return nil, fmt.Errorf("%s: %d reference outputs, model has %d outputs", dir, len(want), len(g.Outputs))
	}
	start := time.Now()
	got, err := run(ctx, g, inputs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	s := &Set{Dir: dir, Elapsed: time.Since(start)}
	for i, v := range g.Outputs {
		s.Outputs = append(s.Outputs, Compare(v.Name, got[v.Name], want[i]))
	}
	return s, nil
}

// Compare measures got against want.
func Compare(name string, got, want *graphir.Tensor) Output {
	o := Output{Name: name, Shape: want.Shape}
	switch {
	case got == nil:
		o.Err = "no output"
		return o
	case !got.Shape.Equal(want.Shape):
		o.Err = fmt.Sprintf("shape %v, reference %v", got.Shape, want.Shape)
		return o
	case got.DType != want.DType:
		o.Err = fmt.Sprintf("type %s, reference %s", got.DType, want.DType)
		return o
	}
	maxRef := 0.0
	for i := 0; i < want.Len(); i++ {
		w, g := at(want, i), at(got, i)
		if math.IsNaN(w) != math.IsNaN(g) {
			o.MaxAbs = math.Inf(1)
			continue
		}
		if math.IsInf(w, 0) || math.IsInf(g, 0) {
			if w != g {
				o.MaxAbs = math.Inf(1)
			}
			continue
		}
		if math.IsNaN(w) {
			continue
		}
		o.MaxAbs = math.Max(o.MaxAbs, math.Abs(w-g))
		maxRef = math.Max(maxRef, math.Abs(w))
	}
	o.MaxRel = o.MaxAbs / math.Max(1, maxRef)
	o.OK = o.MaxRel <= Tolerance
	return o
}

func at(t *graphir.Tensor, i int) float64 {
	if t.DType == graphir.Int64 {
		return float64(t.I[i])
	}
	return float64(t.F[i])
}

// Format writes a human-readable report.
func (r *Result) Format() string {
	var b strings.Builder
	for _, s := range r.Sets {
		for _, o := range s.Outputs {
			status := "ok"
			if !o.OK {
				status = "FAIL"
			}
			if o.Err != "" {
				fmt.Fprintf(&b, "%s  %s  %s: %s  %s\n", r.Dir, filepath.Base(s.Dir), o.Name, o.Err, status)
				continue
			}
			fmt.Fprintf(&b, "%s  %s  %s %v  max abs %.3g  max rel %.3g  %s\n", r.Dir, filepath.Base(s.Dir), o.Name, o.Shape, o.MaxAbs, o.MaxRel, status)
		}
	}
	return b.String()
}
