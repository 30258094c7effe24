// Package kerneltest holds the conformance suites that every fast kernel
// runs against runtime/ref: Conv2D, Gemm, MatMul, Pool2D, GlobalPool,
// Unary and Binary. A suite builds nodes (fixed edge cases and seeded random
// ones), checks them with graphir.InferNode, runs the reference kernel and
// the kernel under test at 1, 2 and 3 threads, and compares:
//
//   - every input and the output live inside NaN guard zones (a fixed NaN
//     bit pattern), the output's own elements start as that NaN too; after
//     the kernel ran the guards and the inputs must be bit-for-bit intact
//     and every output element written;
//   - values agree within 1e-5 relative to max(1, |want|), widened by
//     sqrt(K/256) for a reduction over K > 256 terms (the reference sums in
//     float64, fast kernels in float32); NaN must match NaN.
//
// A kernel may decline a node (Prepare returns nil); the suite counts those
// and returns the counts, so a caller can require that none was declined.
// It imports graphir, runtime/ref and runtime/kernels (for the reference of
// a fused activation).
package kerneltest

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels"
	"github.com/edgectl/edgectl/runtime/ref"
)

// Prepare builds the kernel of a checked node for a thread budget, or
// returns nil to decline the node.
type Prepare func(n *graphir.Node, threads int) (kernelapi.Kernel, error)

// Stats counts what a suite ran.
type Stats struct {
	Cases, Declined int
	DeclinedNames   []string
}

// Case is one node to check.
type Case struct {
	Name  string
	Op    graphir.Op
	Attrs graphir.Attrs
	In    []*graphir.Tensor // nil for an omitted optional input
	Const []bool            // which inputs are constant (weights)
	// K is the length of the reductions behind one output (tolerance).
	K int
}

// Guard is the bit pattern (a quiet NaN) of guard zones.
const Guard = 0x7fc0dead

const guardLen = 37

// Threads are the thread budgets every case runs with.
var Threads = []int{1, 2, 3}

// Run checks every case against the reference and returns the counts.
func Run(t *testing.T, prep Prepare, cases []Case) Stats {
	t.Helper()
	var st Stats
	for _, c := range cases {
		st.Cases++
		declined := false
		t.Run(c.Name, func(t *testing.T) {
			declined = runCase(t, prep, c)
		})
		if declined {
			st.Declined++
			st.DeclinedNames = append(st.DeclinedNames, c.Name)
		}
	}
	if st.Declined == st.Cases {
		t.Errorf("the kernel declined all %d cases", st.Cases)
	}
	return st
}

// node builds and checks the node of c.
func node(c Case) (*graphir.Node, error) {
	n := &graphir.Node{Name: c.Name, Op: c.Op, Opset: 18, Attrs: c.Attrs.Clone()}
	for i, x := range c.In {
		if x == nil {
			n.Inputs = append(n.Inputs, nil)
			continue
		}
		v := &graphir.Value{Name: fmt.Sprintf("in%d", i), DType: x.DType, Shape: x.Shape.Clone()}
		if i < len(c.Const) && c.Const[i] {
			v.Const = x
		}
		n.Inputs = append(n.Inputs, v)
	}
	n.Outputs = []*graphir.Value{{Name: "out"}}
	if c.Op == graphir.OpMaxPool {
		n.Outputs = []*graphir.Value{{Name: "out"}, nil}
	}
	return n, graphir.InferNode(n)
}

func reference(n *graphir.Node, in []*graphir.Tensor) (*graphir.Tensor, error) {
	k, ok := ref.Lookup(n.Op)
	if n.Op == graphir.OpConv {
		k = kernels.ConvReference
	}
	if !ok {
		return nil, fmt.Errorf("no reference kernel for %s", n.Op)
	}
	out := make([]*graphir.Tensor, len(n.Outputs))
	for i, v := range n.Outputs {
		if v != nil {
			out[i] = graphir.NewTensor(v.DType, v.Shape)
		}
	}
	if err := k(n, in, out); err != nil {
		return nil, err
	}
	return out[0], nil
}

// guarded copies t into the middle of a NaN-guarded buffer; with
// fillGuard the copy's elements are the guard NaN as well.
func guarded(t *graphir.Tensor, fillGuard bool) (*graphir.Tensor, []float32) {
	if t == nil {
		return nil, nil
	}
	if t.DType != graphir.Float32 {
		return t.Clone(), nil
	}
	buf := make([]float32, len(t.F)+2*guardLen)
	for i := range buf {
		buf[i] = math.Float32frombits(Guard)
	}
	data := buf[guardLen : guardLen+len(t.F) : guardLen+len(t.F)]
	if !fillGuard {
		copy(data, t.F)
	}
	return graphir.FromFloats(t.Shape, data), buf
}

// runCase runs c at every thread budget; it reports whether the kernel
// declined the node.
func runCase(t *testing.T, prep Prepare, c Case) (declined bool) {
	n, err := node(c)
	if err != nil {
		t.Fatalf("infer: %v", err)
	}
	want, err := reference(n, c.In)
	if err != nil {
		t.Fatalf("reference: %v", err)
	}
	for _, threads := range Threads {
		k, err := prep(n, threads)
		if err != nil {
			t.Fatalf("prepare (threads %d): %v", threads, err)
		}
		if k == nil {
			t.Logf("declined")
			return true
		}
		ins := make([]*graphir.Tensor, len(c.In))
		bufs := make([][]float32, len(c.In))
		for i, x := range c.In {
			ins[i], bufs[i] = guarded(x, false)
		}
		// Constant inputs are what the node holds, as the executor passes.
		for i, v := range n.Inputs {
			if v != nil && v.Const != nil {
				ins[i], bufs[i] = guarded(v.Const, false)
			}
		}
		y, ybuf := guarded(graphir.NewTensor(graphir.Float32, want.Shape), true)
		outs := []*graphir.Tensor{y}
		for range n.Outputs[1:] {
			outs = append(outs, nil)
		}
		if err := k(n, ins, outs); err != nil {
			t.Fatalf("kernel (threads %d): %v", threads, err)
		}
		for i, b := range bufs {
			if b == nil {
				continue
			}
			for j, v := range b {
				inside := j >= guardLen && j < len(b)-guardLen
				if !inside && math.Float32bits(v) != Guard {
					t.Fatalf("threads %d: guard of input %d overwritten at %d", threads, i, j-guardLen)
				}
				if inside && math.Float32bits(v) != math.Float32bits(c.In[i].F[j-guardLen]) {
					t.Fatalf("threads %d: input %d changed at %d", threads, i, j-guardLen)
				}
			}
		}
		for j, v := range ybuf {
			inside := j >= guardLen && j < len(ybuf)-guardLen
			if !inside && math.Float32bits(v) != Guard {
				t.Fatalf("threads %d: output guard overwritten at %d (%g)", threads, j-guardLen, v)
			}
		}
		Compare(t, fmt.Sprintf("threads %d", threads), y, want, c.K)
	}
	return false
}

// Compare checks got against want within the suite's tolerance for
// reductions over K terms.
func Compare(t *testing.T, what string, got, want *graphir.Tensor, K int) {
	t.Helper()
	if !got.Shape.Equal(want.Shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape, want.Shape)
	}
	widen := math.Max(1, math.Sqrt(float64(K)/256))
	for i := range want.F {
		g, w := got.F[i], want.F[i]
		if math.Float32bits(g) == Guard {
			t.Fatalf("%s: element %d was never written", what, i)
		}
		if w != w || g != g {
			if (w != w) != (g != g) {
				t.Fatalf("%s: element %d is %g, want %g", what, i, g, w)
			}
			continue
		}
		if math.IsInf(float64(w), 0) || math.IsInf(float64(g), 0) {
			if g != w {
				t.Fatalf("%s: element %d is %g, want %g", what, i, g, w)
			}
			continue
		}
		tol := 1e-5 * math.Max(1, math.Abs(float64(w))) * widen
		if d := math.Abs(float64(g) - float64(w)); !(d <= tol) {
			t.Fatalf("%s: element %d (of %v) is %g, want %g (diff %g > %g)", what, i, want.Shape, g, w, d, tol)
		}
	}
}

// Rand is a float32 tensor of values in [-1, 1).
func Rand(r *rand.Rand, shape graphir.Shape) *graphir.Tensor {
	t := graphir.NewTensor(graphir.Float32, shape)
	for i := range t.F {
		t.F[i] = 2*r.Float32() - 1
	}
	return t
}

// WithSpecials sprinkles NaN, ±Inf and ±0 over about one element in eight.
func WithSpecials(r *rand.Rand, t *graphir.Tensor) *graphir.Tensor {
	sp := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1))}
	for i := range t.F {
		if r.Intn(8) == 0 {
			t.F[i] = sp[r.Intn(len(sp))]
		}
	}
	return t
}

func aInts(v ...int) graphir.Attr {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return graphir.Attr{Kind: graphir.AttrInts, Ints: out}
}
func aInt(v int64) graphir.Attr     { return graphir.Attr{Kind: graphir.AttrInt, Int: v} }
func aFloat(v float32) graphir.Attr { return graphir.Attr{Kind: graphir.AttrFloat, Float: v} }
func aStr(v string) graphir.Attr    { return graphir.Attr{Kind: graphir.AttrString, Str: v} }
