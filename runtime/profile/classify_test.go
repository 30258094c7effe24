package profile

import (
	"reflect"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/edgectl/edgectl/graphir"
	"github.com/edgectl/edgectl/planner/costmodel"
	"github.com/edgectl/edgectl/runtime"
	"github.com/edgectl/edgectl/runtime/kernelapi"
	"github.com/edgectl/edgectl/runtime/kernels"
)

// kernelPath names the kernel the executor runs for node i: the
// implementation it chose (Executor.KernelName: kernels-asm, kernels-go,
// ref, ...) and, for the fast tiers, the function that implementation's
// Prepare returns for the node (a convolution's Winograd, direct,
// depthwise or GEMM path), found by reflection.
func kernelPath(t *testing.T, e *runtime.Executor, i int) string {
	t.Helper()
	impl := e.KernelName(i)
	n := e.Graph().Nodes[i]
	var prepare func(*graphir.Node, kernelapi.Env) (kernelapi.Kernel, error)
	switch impl {
	case "kernels-asm":
		prepare = kernels.PrepareAsm(n.Op)
	case "kernels-go":
		prepare = kernels.PrepareGo(n.Op)
	default:
		return impl
	}
	k, err := prepare(n, kernelapi.Env{Threads: 1})
	if err != nil || k == nil {
		t.Fatalf("%s: %s declines the node it runs: %v", n, impl, err)
	}
	return impl + " " + goruntime.FuncForPC(reflect.ValueOf(k).Pointer()).Name()
}

// pathKinds maps a kernel path (a substring of kernelPath) to the kinds
// that run on it.
var pathKinds = []struct {
	path  string
	kinds []costmodel.Kind
}{
	{"(*winoConv).run", []costmodel.Kind{costmodel.KindWinograd}},
	{"(*directConv).run", []costmodel.Kind{costmodel.KindFirstLayer}},
	{"(*dwConv).run", []costmodel.Kind{costmodel.KindDepthwise}},
	{"(*convPlan).runGEMM", []costmodel.Kind{costmodel.KindConv3x3, costmodel.KindConv1x1, costmodel.KindConvOther}},
	{"prepareGemm", []costmodel.Kind{costmodel.KindGemm}},
	{"prepareMatMul", []costmodel.Kind{costmodel.KindGemm}},
	{"(*poolPlan).run", []costmodel.Kind{costmodel.KindPool, costmodel.KindPoolOther, costmodel.KindAvgPool}},
	{"prepareGlobalPool", []costmodel.Kind{costmodel.KindGlobalPool, costmodel.KindGlobalMax}},
	{"prepareUnary", []costmodel.Kind{costmodel.KindElementwise}},
	{"prepareBinary", []costmodel.Kind{costmodel.KindElementwise}},
	{"prepareBatchNorm", []costmodel.Kind{costmodel.KindElementwise}},
	{"prepareSlice", []costmodel.Kind{costmodel.KindSlice}},
	{"ref", []costmodel.Kind{costmodel.KindRef, costmodel.KindRefMath, costmodel.KindConcat, costmodel.KindCopy,
		costmodel.KindSlice, costmodel.KindPad, costmodel.KindMove, costmodel.KindResize}},
}

// TestClassify_AgreesWithExecutor builds every micro-benchmark of the grid
// (with -short the first six of each kind, which span its sizes) and
// checks that costmodel.Classify names the kernel path the executor
// actually prepares, so that the two cannot drift apart silently (a new
// tier or a changed threshold in runtime/kernels fails here).
func TestClassify_AgreesWithExecutor(t *testing.T) {
	arch, tier := goruntime.GOARCH, tierName()
	benches, err := grid(arch, tier)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[costmodel.Kind]int{}
	for _, b := range benches {
		if testing.Short() && seen[b.kind] >= 6 {
			continue
		}
		seen[b.kind]++
		bl := newBuilder(1)
		bl.dry = true
		y, err := b.build(bl)
		if err != nil {
			t.Fatal(err)
		}
		g, _, err := bl.finish(y)
		if err != nil {
			t.Fatal(err)
		}
		e, err := runtime.NewWithOptions(g, runtime.Options{Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		n := e.Graph().Nodes[0]
		kind, path := costmodel.Classify(n, arch, tier), kernelPath(t, e, 0)
		if !pathAllows(path, kind) {
			t.Errorf("%s: costmodel says %s, the executor runs %s", b, kind, path)
		}
	}
	// Every kind the grid has must appear (a kind no bench reaches would
	// never be fitted).
	for _, k := range costmodel.Kinds() {
		if seen[k] == 0 && (k != costmodel.KindWinograd || tier == "avx2" || tier == "avx512") &&
			(k != costmodel.KindFirstLayer || tier != "neon") {
			t.Errorf("no micro-benchmark of kind %s", k)
		}
	}
}

func pathAllows(path string, kind costmodel.Kind) bool {
	for _, pk := range pathKinds {
		if strings.Contains(path, pk.path) || (pk.path == "ref" && strings.HasPrefix(path, "ref")) {
			for _, k := range pk.kinds {
				if k == kind {
					return true
				}
			}
			return false
		}
	}
	return false
}
