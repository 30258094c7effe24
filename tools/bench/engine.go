package bench

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/edgectl/edgectl/graphir"
)

// Engine is another inference engine that the bench compares edgectl's
// runtime with.
type Engine interface {
	// Name is what --compare selects, e.g. "ort".
	Name() string
	// Describe is one line on the engine's version and the settings it runs
	// with at the given thread count.
	Describe(threads int) string
	// Open prepares m to run with threads intra-op threads.
	Open(m *Model, threads int) (Session, error)
}

// Session is a prepared model with its input and output buffers.
type Session interface {
	// Run computes the outputs from the inputs given at Open.
	Run(ctx context.Context) error
	// Output returns output i (in Model.Outputs order) of the last Run.
	Output(i int) []float32
	// Close frees the session.
	Close() error
}

// Model is what an engine gets: an ONNX model (a file or bytes), and the
// float32 inputs and output shapes, in the graph's order.
type Model struct {
	Name    string
	Path    string // an ONNX file; "" when ONNX holds the model
	ONNX    []byte
	Inputs  []Tensor
	Outputs []Tensor // Data nil
}

// Tensor is a named float32 tensor.
type Tensor struct {
	Name  string
	Shape graphir.Shape
	Data  []float32
}

var (
	enginesMu sync.Mutex
	engines   = map[string]Engine{}
)

// hints say how to get an engine this binary is built without.
var hints = map[string]string{
	"ort": "this edgectl is built without ONNX Runtime: run `make bench-deps` and use bin/edgectl-ort " +
		"(the same CLI built with -tags ort from tools/ortbench)",
}

// RegisterEngine makes e available to Run under e.Name(). Engine packages
// call it from init.
func RegisterEngine(e Engine) {
	enginesMu.Lock()
	defer enginesMu.Unlock()
	engines[e.Name()] = e
}

// LookupEngine returns the engine registered under name, or an error saying
// how to get it.
func LookupEngine(name string) (Engine, error) {
	enginesMu.Lock()
	defer enginesMu.Unlock()
	if e, ok := engines[name]; ok {
		return e, nil
	}
	if h, ok := hints[name]; ok {
		return nil, fmt.Errorf("engine %s: %s", name, h)
	}
	known := make([]string, 0, len(engines)+len(hints))
	for n := range engines {
		known = append(known, n)
	}
	for n := range hints {
		if engines[n] == nil {
			known = append(known, n)
		}
	}
	sort.Strings(known)
	return nil, fmt.Errorf("engine %s is unknown (known: %s)", name, strings.Join(known, ", "))
}
