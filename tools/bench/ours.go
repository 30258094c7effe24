package bench

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/profile"
)

// oursSession runs a graph in edgectl's runtime.
type oursSession struct {
	e      *runtime.Executor
	g      *graphir.Graph
	inputs map[string]*graphir.Tensor
	last   map[string]*graphir.Tensor
}

func openOurs(g *graphir.Graph, inputs []Tensor, opts runtime.Options) (*oursSession, error) {
	e, err := runtime.NewWithOptions(g, opts)
	if err != nil {
		return nil, err
	}
	in := make(map[string]*graphir.Tensor, len(inputs))
	for _, t := range inputs {
		in[t.Name] = graphir.FromFloats(t.Shape, t.Data)
	}
	return &oursSession{e: e, g: g, inputs: in}, nil
}

func (s *oursSession) Run(ctx context.Context) error {
	out, err := s.e.Run(ctx, s.inputs)
	s.last = out
	return err
}

func (s *oursSession) Output(i int) []float32 {
	if t := s.last[s.g.Outputs[i].Name]; t != nil {
		return t.F
	}
	return nil
}

func (s *oursSession) Close() error { return nil }

// kernels summarises which implementation ran each op kind, e.g.
// "Conv: avx2 x13; Relu: ref x13".
func (s *oursSession) kernels() string {
	counts := map[string]int{}
	for i, n := range s.e.Graph().Nodes {
		counts[n.Op.String()+": "+s.e.KernelName(i)]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		keys[i] = fmt.Sprintf("%s x%d", k, counts[k])
	}
	return strings.Join(keys, "; ")
}

// randomInputs draws every graph input uniformly from [-1, 1) with seed
// (profile.RandomInputs), in the graph's input order.
func randomInputs(g *graphir.Graph, seed uint64) ([]Tensor, error) {
	in, err := profile.RandomInputs(g, seed)
	if err != nil {
		return nil, err
	}
	out := make([]Tensor, len(g.Inputs))
	for i, v := range g.Inputs {
		out[i] = Tensor{Name: v.Name, Shape: v.Shape.Clone(), Data: in[v.Name].F}
	}
	return out, nil
}

// outputSpecs lists the graph's outputs, which must be float32.
func outputSpecs(g *graphir.Graph) ([]Tensor, error) {
	out := make([]Tensor, len(g.Outputs))
	for i, v := range g.Outputs {
		if v.DType != graphir.Float32 {
			return nil, fmt.Errorf("output %q is %s; the bench compares float32 outputs only", v.Name, v.DType)
		}
		out[i] = Tensor{Name: v.Name, Shape: v.Shape.Clone()}
	}
	return out, nil
}

// maxError is max|a-b| / max(1, max|b|) over all outputs: the measure
// edgectl verify uses, with the other engine as the reference.
func maxError(ours, theirs Session, n int) float64 {
	worst := 0.0
	for i := 0; i < n; i++ {
		a, b := ours.Output(i), theirs.Output(i)
		if len(a) != len(b) {
			return -1
		}
		diff, ref := 0.0, 1.0
		for j := range a {
			diff = max(diff, abs(float64(a[j])-float64(b[j])))
			ref = max(ref, abs(float64(b[j])))
		}
		worst = max(worst, diff/ref)
	}
	return worst
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
